package migrate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every example is current: migrating it changes nothing. An unknown version is refused.
func TestMigrate(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Migrate(f, data)
		if err != nil || len(res.Changes) > 0 || !bytes.Equal(res.Data, data) {
			t.Errorf("%s: %v, %v", f, res.Changes, err)
		}
	}
	if _, err := Migrate("x.yaml", []byte("apiVersion: gantry.dev/v0\nkind: Service\n")); err == nil || !strings.Contains(err.Error(), "gantry.dev/v0") {
		t.Errorf("an unknown version: %v", err)
	}
}
