package generators_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gantry-dev/gantry/generators"
)

// Write puts generated files under a root, each atomically, and keeps a record of what it wrote: a
// second run with the same files changes nothing, and a file it wrote that is no longer generated is
// removed (a file that looks like a blueprint never is).
func ExampleWrite() {
	root, err := os.MkdirTemp("", "gantry-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)

	files := []generators.File{
		{Path: "acme/billing/payments/kubernetes/base/deployment.yaml", Data: []byte("apiVersion: apps/v1\nkind: Deployment\n"), Target: "kubernetes"},
		{Path: "acme/billing/payments/kubernetes/base/service.yaml", Data: []byte("apiVersion: v1\nkind: Service\n"), Target: "kubernetes"},
	}
	sum, err := generators.Write(root, files, generators.WriteOptions{})
	fmt.Println(sum, err)

	sum, err = generators.Write(root, files, generators.WriteOptions{})
	fmt.Println(sum, err)

	sum, err = generators.Write(root, files[:1], generators.WriteOptions{})
	fmt.Println(sum, err, sum.Removed)

	data, _ := os.ReadFile(filepath.Join(root, "acme/billing/payments/kubernetes/base/deployment.yaml"))
	fmt.Printf("%s", data)
	// Output:
	// 2 written, 0 unchanged, 0 removed <nil>
	// 0 written, 2 unchanged, 0 removed <nil>
	// 0 written, 1 unchanged, 1 removed <nil> [acme/billing/payments/kubernetes/base/service.yaml]
	// apiVersion: apps/v1
	// kind: Deployment
}
