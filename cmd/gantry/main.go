// Command gantry turns service blueprints into Kubernetes manifests, Terraform, CI pipelines and GitOps
// objects. See README.md.
package main

import (
	"os"

	"github.com/gantry-dev/gantry/cmd/cli"
)

func main() {
	os.Exit(cli.Main())
}
