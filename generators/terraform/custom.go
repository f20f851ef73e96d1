package terraform

import "github.com/gantry-dev/gantry/generators"

// yoursLayout is a service module's folder: any *.tf there that Gantry does not generate (an extra
// resource reading the module's locals, a *_override.tf changing an attribute of Gantry's) is the
// user's. Terraform reads every .tf of the folder, so nothing has to include it.
var yoursLayout = generators.Layout(`^(` + generators.LabelRE + `/){3}terraform/` + generators.NameRE + `\.tf$`)

// Yours implements generators.Customizable.
func (*Generator) Yours(p string) bool { return yoursLayout(p) }
