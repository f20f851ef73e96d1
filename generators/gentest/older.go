package gentest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
)

// EditRecord changes the record of the output folder dir (what a user, an attacker or an older
// release could have left there) and writes it back.
func EditRecord(t testing.TB, dir string, edit func(m *generators.Manifest)) {
	t.Helper()
	record := filepath.Join(dir, generators.StateDir, "manifest.json")
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	var m generators.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m)
	if data, err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(record, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// OlderRelease makes the output folder dir look as the release before customizations (v0.0.9) wrote
// it: the record names v0.0.9, and each overlay's kustomization does not include the custom components
// (with the record's hash of it to match, so the file is still Gantry's). It returns how many files it
// changed: the count an upgrade's summary line names.
func OlderRelease(t testing.TB, dir string) int {
	t.Helper()
	old := 0
	EditRecord(t, dir, func(m *generators.Manifest) {
		m.Gantry = "v0.0.9"
		for p, e := range m.Files {
			if !strings.HasSuffix(p, "/kustomization.yaml") || !strings.Contains(p, "/overlays/") || strings.Contains(p, "/custom/") || strings.Contains(p, "/image/") {
				continue
			}
			f := filepath.Join(dir, filepath.FromSlash(p))
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			before := strings.Replace(string(body), "- ../../custom\n- custom\n", "", 1)
			if before == string(body) {
				continue
			}
			if err := os.WriteFile(f, []byte(before), 0o644); err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256([]byte(before))
			e.SHA256 = hex.EncodeToString(h[:])
			m.Files[p] = e
			old++
		}
	})
	if old == 0 {
		t.Fatalf("%s: no overlay to make older", dir)
	}
	return old
}
