package blueprints

import "flag"

// update makes golden-file tests rewrite their files: go test ./blueprints -update.
var update = flag.Bool("update", false, "rewrite golden files")
