// Package ci generates each service's pipeline for the platform's CI system: a GitHub Actions workflow
// (.github/workflows/<service>.yaml) or a GitLab CI file (.gitlab/ci/<service>.yml, included by the
// repository's .gitlab-ci.yml), with the DevSecOps stages: blueprint and drift checks, secret scan,
// SAST, lint, unit tests and dependency scan, image build, SBOM and image scan, push by digest,
// keyless signing and attestations on the default branch, manifest and IaC checks, and promotion
// through the GitOps overlays. Each pipeline also runs the service's own jobs from a file of the
// user's (CustomFile, generators.RepoCustom, seeded once): GitHub calls it as a reusable workflow after
// the checks, with contents: read, and promotes only when it passed; GitLab includes it.
//
// The pipelines are templates (templates/ci). Every value from a blueprint is a validated name, goes
// into the file through the templates' yaml helper, and reaches a shell only as an environment
// variable: no script contains a blueprint value. A blueprint's spec.build commands are shell by
// design: they go into env: (GitHub) or a variable with expand: false (GitLab), encoded by the YAML
// encoder, and a step runs each with `bash -e -c "$VAR"`, exactly as written. spec.build's context and
// Dockerfile feed the image build. A prebuilt service (spec.prebuilt) gets the blueprint and drift
// checks, a scan of its pinned image by digest and the manifest and IaC checks: nothing to build, sign
// or promote (its manifests carry the image).
package ci

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/templates"
)

// readRelease is the shell that sets $release to the Gantry release that wrote the output, which its
// record names ($OUTPUT/.gantry/manifest.json, `"gantry": "vX.Y.Z"`): the one place a repository
// pins Gantry. The pipelines check with that release, so output is never checked by another one, and
// an upgrade (a new release's `gantry generate`, by hand or by the upgrade job) moves every pipeline.
const readRelease = `record="$OUTPUT/.gantry/manifest.json"
if [ ! -f "$record" ]; then
  echo "$record is missing: run gantry generate and commit the result" >&2
  exit 1
fi
release="$(sed -n 's/^ *"gantry": *"\([^"]*\)".*/\1/p' "$record" | head -n 1)"
if ! printf '%s\n' "$release" | grep -Eqx 'v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?'; then
  echo "$record names no Gantry release (\"gantry\": \"vX.Y.Z\"): run gantry generate and commit the result" >&2
  exit 1
fi
`

// installGantry installs the release that wrote the output (readRelease), to run `gantry validate`
// and `gantry generate --check`.
const installGantry = readRelease + `go install "github.com/gantry-dev/gantry/cmd/gantry@$release"
`

// goVersion is the Go the pipelines' tool installs use: the Go runtime's build image's.
const goVersion = catalog.GoVersion

// terraformVersion is the Terraform CLI the IaC checks run (the version `make test` checks with).
const terraformVersion = "1.16.4"

// GitLabInclude is where a service's GitLab CI file goes, under the repository root.
const GitLabInclude = ".gitlab/ci"

// GitLabCustom is where a service's own GitLab CI include goes (generators.RepoCustom): a folder of
// its own, out of reach of the root file's GitLabInclude/*.yml (GitLab's * stops at a slash).
const GitLabCustom = GitLabInclude + "/custom"

// CustomFile is the service's own CI file, under the repository root: a reusable workflow the GitHub
// workflow calls, or a file the GitLab one includes. Gantry seeds it once; it is the user's from then
// on (generators.RepoCustom).
func CustomFile(ciSystem, service string) string {
	switch ciSystem {
	case "github":
		return path.Join(".github", "workflows", service+".custom.yaml")
	case "gitlab":
		return path.Join(GitLabCustom, service+".yml")
	}
	return ""
}

// Generator is the ci target.
type Generator struct{}

// New returns the ci target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "ci" }

// InRepo implements generators.InRepoTarget: every file of the target goes under the repository root.
func (*Generator) InRepo() bool { return true }

// Produces implements generators.Generator: GitHub workflows, GitLab's root file and its includes.
func (*Generator) Produces(p string) bool { return layout(p) }

var layout = generators.Layout(`^(\.github/workflows/(` + generators.LabelRE + `(\.custom)?|` + upgradeRE + `)\.yaml|\.gitlab-ci\.yml|` +
	GitLabInclude + `/((custom/)?` + generators.LabelRE + `|` + upgradeRE + `)\.yml)$`)

// upgradeRE is an upgrade job's file name without its extension (UpgradeFile).
const upgradeRE = `[A-Za-z0-9._-]+\.gantry-upgrade`

// Generate implements generators.Generator.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) ([]generators.File, error) {
	var name, tmpl string
	switch p.Spec.CI {
	case "github":
		name, tmpl = path.Join(".github", "workflows", s.Name+".yaml"), "github"
	case "gitlab":
		name, tmpl = path.Join(GitLabInclude, s.Name+".yml"), "gitlab"
	default:
		return nil, nil
	}
	pl, err := newPipeline(p, s, name, CustomFile(p.Spec.CI, s.Name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// The blueprint files' paths are no blueprint values, but they reach the pipeline too (its paths:
	// filters, BLUEPRINTS), where GitHub evaluates ${{ }} and GitLab expands $VAR: they keep to the
	// characters spec.source may use, or nothing is generated.
	for _, f := range []string{p.Source, s.Source} {
		if f != "" && !blueprints.RepoPathAllowed(f) {
			return nil, fmt.Errorf("%s: the path of blueprint %q has characters a CI file would evaluate; rename it with letters, digits, '.', '_', '-' and '/' only", name, f)
		}
	}
	data, err := templates.Render(tmpl+".yaml.tmpl", pl)
	if err != nil {
		return nil, err
	}
	if err := wellFormed(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	seed, err := templates.Render(tmpl+"-custom.yaml.tmpl", customSeed{Origin: generators.Origin(s.Source), Name: s.Name,
		Hidden: "." + s.Name, File: pl.Custom, Pipeline: name, Prebuilt: pl.Prebuilt != nil})
	if err != nil {
		return nil, err
	}
	if err := wellFormed(seed); err != nil {
		return nil, fmt.Errorf("%s: %w", pl.Custom, err)
	}
	return []generators.File{{Path: name, Data: data, Kind: generators.RepoManaged},
		{Path: pl.Custom, Data: seed, Kind: generators.RepoCustom}}, nil
}

// customSeed is what the seed of a service's own CI file renders: validated names and paths.
type customSeed struct {
	Origin, Name, Hidden, File, Pipeline string
	Prebuilt                             bool
}

// GeneratePlatform implements generators.PlatformGenerator: the upgrade job of the platform's output
// folder (Upgrade) and, on GitLab, the root .gitlab-ci.yml, which sets the stages and the workflow
// rules and includes every service's file (and the upgrade job). Neither names the platform, so the
// platforms of one repository (of one output folder) write the same files.
func (*Generator) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]generators.File, error) {
	var files []generators.File
	switch p.Spec.CI {
	case "github", "gitlab":
		f, err := upgrade(p.Spec.CI, p.Spec.GitOps.Path)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if p.Spec.CI != "gitlab" {
		return files, nil
	}
	data, err := templates.Render("gitlab-root.yaml.tmpl", struct {
		Header, Include string
	}{
		Header:  generators.Header("the platforms' blueprints"),
		Include: GitLabInclude + "/*.yml",
	})
	if err != nil {
		return nil, err
	}
	if err := wellFormed(data); err != nil {
		return nil, fmt.Errorf(".gitlab-ci.yml: %w", err)
	}
	return append(files, generators.File{Path: ".gitlab-ci.yml", Data: data, Kind: generators.RepoManaged}), nil
}

// Upgrade is what the upgrade job of an output folder renders: a scheduled (GitHub) or
// schedule-triggered (GitLab) job that regenerates the folder with the latest Gantry release, every
// blueprint its record names (`gantry generate --recorded`), and opens a pull or merge request with
// the summary. It depends on the output folder alone (no platform's value), so the platforms that share
// the folder render one file.
type Upgrade struct {
	Header      string
	Name        string // the output folder as a file-name word (UpgradeFile)
	Output      string // the output folder, under the repository root
	Branch      string // the branch it pushes: gantry/upgrade/<Name>
	Cron        string // GitHub's schedule (GitLab's is set in its schedule, not in the file)
	ReadRelease string // readRelease, and on GitHub its result kept for the next step (FROM)
	GoVersion   string
}

// upgradeCron is when GitHub runs the upgrade: weekly, Monday 06:17 UTC (off the hour, when GitHub's
// schedules queue).
const upgradeCron = "17 6 * * 1"

// UpgradeFile is the upgrade job's file for an output folder: the folder's path with '/' and '.' as
// '-' (the repository root as "repository"), then ".gantry-upgrade". The dot keeps it apart from every
// service's file, whose name is a DNS label; the name is also a branch's last part and a GitLab job's
// first, where a leading dot (a hidden job), ".lock" or ".." would not do.
func UpgradeFile(ciSystem, output string) (name, file string) {
	name = "repository"
	if out := path.Clean(output); out != "." {
		name = strings.NewReplacer("/", "-", ".", "-").Replace(out)
	}
	if ciSystem == "github" {
		return name, path.Join(".github", "workflows", name+".gantry-upgrade.yaml")
	}
	return name, path.Join(GitLabInclude, name+".gantry-upgrade.yml")
}

func upgrade(ciSystem, output string) (generators.File, error) {
	name, file := UpgradeFile(ciSystem, output)
	out := path.Clean(output)
	if !blueprints.RepoPathAllowed(out) {
		return generators.File{}, fmt.Errorf("%s: the output folder %q has characters a CI file would evaluate", file, out)
	}
	u := Upgrade{Header: generators.Header("the platforms' blueprints"), Name: name, Output: out,
		Branch: "gantry/upgrade/" + name, Cron: upgradeCron, ReadRelease: readRelease, GoVersion: goVersion}
	if ciSystem == "github" {
		u.ReadRelease += `echo "FROM=$release" >> "$GITHUB_ENV"` + "\n"
	}
	data, err := templates.Render(ciSystem+"-upgrade.yaml.tmpl", u)
	if err != nil {
		return generators.File{}, err
	}
	if err := wellFormed(data); err != nil {
		return generators.File{}, fmt.Errorf("%s: %w", file, err)
	}
	return generators.File{Path: file, Data: data, Kind: generators.RepoManaged}, nil
}

// Pipeline is what the CI templates render: validated blueprint values and Gantry's own constants.
type Pipeline struct {
	Header        string
	Name          string   // the service
	Source        string   // the service's source folder
	BlueprintDir  string   // the folder of the platform file: what gantry validate and generate read
	Output        string   // the output folder (spec.gitops.path), under the repository root
	ServiceOutput string   // the service's generated folder
	Image         string   // the image CI builds and pushes
	Branch        string   // the default branch: pushes there sign, attest and promote
	Paths         []string // what triggers the pipeline
	Custom        string   // the service's own CI file (CustomFile), which the pipeline calls or includes
	EnvList       string   // the environments, space-separated, for a shell loop
	First         string   // the environment CI promotes to automatically
	FirstImage    string   // the image name the first environment runs
	Later         []Promotion
	PromotionList string // Later as `env=from=image` words, for the manual promotion's shell
	Terraform     bool
	Registry      Registry
	// TrustedRegistries is the JSON list of the registries the service's image comes from, for trivy's
	// KSV-0125 (images only from trusted registries): the organisation's, as its authors intend.
	TrustedRegistries string
	// Test lints and tests (the runtime's steps, or the blueprint's commands): nil when there is
	// nothing to lint or test (static without commands, prebuilt).
	Test *TestJob
	// Build runs the blueprint's build command before the image build: nil without one.
	Build *BuildJob
	// Context and Dockerfile are the image build's, relative to the repository root; DockerfileDir and
	// DockerfileName are the Dockerfile's folder and name (BuildKit takes them apart).
	Context, Dockerfile, DockerfileDir, DockerfileName string
	// Prebuilt is the image Gantry does not build, nil when it builds one: the pipeline scans it and
	// checks the manifests, and has nothing to build, sign or promote.
	Prebuilt *Prebuilt

	InstallGantry     string // installGantry
	GoVersion         string
	TerraformVersion  string
	KubernetesVersion string // x.y.0, for kubeconform's schemas
}

// registryHost is the registry an image reference names: its first part when that is a host (a dot, a
// port or localhost), else Docker Hub's.
func registryHost(image string) string {
	host, _, found := strings.Cut(image, "/")
	if found && (strings.ContainsAny(host, ".:") || host == "localhost") {
		return host
	}
	return "docker.io"
}

// Promotion is a manual promotion step: Env takes the image From runs.
type Promotion struct {
	Env, From, Image string
}

// Prebuilt is a blueprint's spec.prebuilt: Ref as written (repository[:tag]@sha256:...), Scan the same
// image by digest alone.
type Prebuilt struct {
	Ref, Scan string
}

func newPipeline(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService, file, custom string) (*Pipeline, error) {
	out := path.Clean(p.Spec.GitOps.Path) // the platform's normalising gives it and the branch their defaults
	svcOut := path.Join(out, generators.ServiceDir(p, s))
	dir := path.Dir(p.Source)
	pl := &Pipeline{
		Header:        generators.Header(s.Source),
		Name:          s.Name,
		Source:        s.Base.Source,
		BlueprintDir:  dir,
		Output:        out,
		ServiceOutput: svcOut,
		Image:         s.Base.Image,
		Branch:        p.Spec.GitOps.Branch,
		Registry:      registryOf(s.Base.Image, p.Spec.Cloud),
		Terraform:     blueprints.HasTerraformModule(p, s),
		Custom:        custom,

		InstallGantry:     installGantry,
		GoVersion:         goVersion,
		TerraformVersion:  terraformVersion,
		KubernetesVersion: p.Spec.KubernetesVersion + ".0",
	}
	b := s.Base.Build
	pl.Context = cmp.Or(b.Context, s.Base.Source)
	pl.Dockerfile = cmp.Or(b.Dockerfile, path.Join(s.Base.Source, "Dockerfile"))
	pl.DockerfileDir, pl.DockerfileName = path.Split(pl.Dockerfile)
	pl.DockerfileDir = cmp.Or(path.Clean(pl.DockerfileDir), ".")
	var err error
	if pl.Test, err = testJob(s.Base.Runtime, s.Base.Source, b); err != nil {
		return nil, err
	}
	if pl.Build, err = buildJob(s.Base.Runtime, s.Base.Source, b); err != nil {
		return nil, err
	}
	// A change to the service's source, its blueprint, the platform file (none for the built-in
	// platform), its generated output or the pipeline itself runs the pipeline; nothing else does (a
	// monorepo builds only what changed). A prebuilt service has no source of its own.
	pl.Paths = []string{s.Base.Source + "/**", s.Source}
	// A build context or Dockerfile of the blueprint's, outside the source folder, builds the image too.
	if b.Context != "" && path.Clean(b.Context) != path.Clean(s.Base.Source) {
		pl.Paths = append(pl.Paths, strings.TrimPrefix(path.Clean(b.Context)+"/**", "./"))
	}
	if b.Dockerfile != "" && !strings.HasPrefix(path.Clean(b.Dockerfile), path.Clean(s.Base.Source)+"/") {
		pl.Paths = append(pl.Paths, path.Clean(b.Dockerfile))
	}
	if s.Base.Prebuilt != "" {
		pl.Prebuilt = &Prebuilt{Ref: s.Base.Prebuilt, Scan: byDigest(s.Base.Prebuilt)}
		pl.Test, pl.Build, pl.Paths = nil, nil, []string{s.Source}
	}
	// trivy's KSV-0125 checks every image the manifests run: the service's, and its in-cluster
	// dependencies' (the catalogue's pins).
	registries := []string{registryHost(cmp.Or(s.Base.Prebuilt, s.Base.Image))}
	for _, ref := range blueprints.ClusterImages(p, s) {
		registries = append(registries, registryHost(ref))
	}
	slices.Sort(registries)
	trusted, _ := json.Marshal(slices.Compact(registries))
	pl.TrustedRegistries = string(trusted)
	if p.Source == "" {
		pl.BlueprintDir = path.Dir(s.Source)
	} else {
		pl.Paths = append(pl.Paths, p.Source)
	}
	pl.Paths = append(pl.Paths, svcOut+"/**", file, custom)
	var envs, words []string
	for i, e := range s.Environments {
		envs = append(envs, e.Name)
		if i == 0 {
			pl.First, pl.FirstImage = e.Name, e.Spec.Image
			continue
		}
		pr := Promotion{Env: e.Name, From: s.Environments[i-1].Name, Image: e.Spec.Image}
		pl.Later = append(pl.Later, pr)
		words = append(words, pr.Env+"="+pr.From+"="+pr.Image)
	}
	pl.EnvList = strings.Join(envs, " ")
	pl.PromotionList = strings.Join(words, " ")
	return pl, nil
}

// byDigest drops the tag of an image reference pinned by digest: repository@sha256:...
func byDigest(ref string) string {
	repo, digest, ok := strings.Cut(ref, "@")
	if !ok {
		return ref
	}
	if slash := strings.LastIndex(repo, "/"); strings.Contains(repo[slash+1:], ":") {
		repo = repo[:slash+1+strings.Index(repo[slash+1:], ":")]
	}
	return repo + "@" + digest
}

// Registry says how CI logs in to push: by the cloud's OIDC federation where the registry is the
// cloud's, with the CI system's own short-lived token for GitHub's and GitLab's registries.
type Registry struct {
	Kind        string // ghcr, gitlab, ecr, gar, acr, other
	Host        string
	Name        string // the ACR registry name
	Region      string
	Permissions []string // extra GitHub job permissions for the push
}

func registryOf(image string, cloud blueprints.Cloud) Registry {
	host, _, _ := strings.Cut(image, "/")
	r := Registry{Host: host, Kind: "other", Region: cloud.Region}
	switch {
	case host == "ghcr.io":
		r.Kind, r.Permissions = "ghcr", []string{"packages: write"}
	case host == "registry.gitlab.com":
		r.Kind = "gitlab"
	case strings.HasSuffix(host, ".amazonaws.com") && strings.Contains(host, ".dkr.ecr."):
		r.Kind, r.Permissions = "ecr", []string{"id-token: write"}
		if parts := strings.Split(host, "."); len(parts) > 3 {
			r.Region = parts[3] // <account>.dkr.ecr.<region>.amazonaws.com
		}
	case strings.HasSuffix(host, "-docker.pkg.dev") || host == "gcr.io" || strings.HasSuffix(host, ".gcr.io"):
		r.Kind, r.Permissions = "gar", []string{"id-token: write"}
	case strings.HasSuffix(host, ".azurecr.io"):
		r.Kind, r.Permissions = "acr", []string{"id-token: write"}
		r.Name = strings.TrimSuffix(host, ".azurecr.io")
	}
	return r
}
