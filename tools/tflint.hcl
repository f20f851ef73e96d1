# TFLint configuration for checking generated Terraform offline:
#   tflint --config "$PWD/tools/tflint.hcl" --chdir DIR
# The terraform plugin block has no `source`, so tflint uses the ruleset bundled in its binary
# (tflint-ruleset-terraform, pinned by tflint's go.mod); no `tflint --init`, no download.
config {
  format           = "compact"
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
