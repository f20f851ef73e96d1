package kubernetes_test

import (
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

func BenchmarkGenerateExamples(b *testing.B) {
	res := gentest.LoadExamples(b)
	gens := []generators.Generator{kubernetes.New()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := generators.Run(res, gens); err != nil {
			b.Fatal(err)
		}
	}
}
