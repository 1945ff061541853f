# tflint for every module and environment (tflint --recursive, from terraform/): the bundled
# terraform ruleset with all its rules (typed and documented variables and outputs, pinned
# providers, standard module layout, naming). The AWS ruleset plugin is not used: it is
# downloaded at init, which offline checks cannot do.
plugin "terraform" {
  enabled = true
  preset  = "all"
}
