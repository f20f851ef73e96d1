package blueprints_test

import (
	"fmt"

	"github.com/gantry-dev/gantry/blueprints"
)

// Parse reads one blueprint strictly: the typed service, or every problem with its position.
func ExampleParse() {
	f, diags := blueprints.Parse("payments.yaml", []byte(`apiVersion: gantry.dev/v1
kind: Service
metadata: {name: payments, team: billing}
spec:
  runtime: go
  type: web
  port: 8080
`))
	fmt.Println(f.Kind, f.Service.Metadata.Name, f.Service.Spec.Runtime, f.Service.Spec.Port, len(diags))

	_, diags = blueprints.Parse("orders.yaml", []byte(`apiVersion: gantry.dev/v1
kind: Service
metadata: {name: orders, team: shop}
spec:
  runtime: go
  type: web
  port: "8080"
  replcas: {min: 2}
`))
	for _, d := range diags {
		fmt.Println(d)
	}
	// Output:
	// Service payments go 8080 0
	// orders.yaml:7:9: spec.port: must be a whole number, got the string "8080" (remove the quotes)
	// orders.yaml:8:3: spec.replcas: unknown field (did you mean "replicas"?)
}
