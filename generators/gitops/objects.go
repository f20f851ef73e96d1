package gitops

import (
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
)

// Small typed structs for the engines' objects: only the fields Gantry sets, with the projects' JSON
// names. The tests validate them against the CRDs the projects ship.

type objectMeta struct {
	Name       string            `json:"name"`
	Namespace  string            `json:"namespace"`
	Labels     map[string]string `json:"labels,omitempty"`
	Finalizers []string          `json:"finalizers,omitempty"`
}

func metaOf(name, namespace string, p *blueprints.ResolvedPlatform) objectMeta {
	return objectMeta{Name: name, Namespace: namespace, Labels: labels(p)}
}

// Application is argoproj.io/v1alpha1.
type Application struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   objectMeta      `json:"metadata"`
	Spec       applicationSpec `json:"spec"`
}

type applicationSpec struct {
	Project     string                 `json:"project"`
	Source      applicationSource      `json:"source"`
	Destination applicationDestination `json:"destination"`
	SyncPolicy  syncPolicy             `json:"syncPolicy"`
}

type applicationSource struct {
	RepoURL        string `json:"repoURL"`
	TargetRevision string `json:"targetRevision"`
	Path           string `json:"path"`
}

type applicationDestination struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type syncPolicy struct {
	Automated   *automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions"`
}

type automated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

// application deploys one folder of the repository to one environment's cluster (registered in Argo CD
// under the environment's name). Outside production it syncs, prunes and heals by itself; production
// waits for a person to press sync.
func application(p *blueprints.ResolvedPlatform, name, project, namespace, env, repoPath string, auto, prune bool) Application {
	a := Application{APIVersion: "argoproj.io/v1alpha1", Kind: "Application",
		Metadata: metaOf(name, ArgoNamespace, p),
		Spec: applicationSpec{
			Project:     project,
			Source:      applicationSource{RepoURL: p.Spec.GitOps.RepoURL, TargetRevision: p.Spec.GitOps.Branch, Path: repoPath},
			Destination: applicationDestination{Name: env, Namespace: namespace},
			// Namespaces are Gantry's own objects, with their Pod Security labels: never created bare.
			SyncPolicy: syncPolicy{SyncOptions: []string{"CreateNamespace=false", "ServerSideApply=true", "PruneLast=true"}},
		}}
	if prune {
		// Deleting the Application deletes what it deployed (the domain-qualified form; the bare name draws
		// an API server warning).
		a.Metadata.Finalizers = []string{"resources-finalizer.argocd.argoproj.io/foreground"}
	}
	if auto {
		a.Spec.SyncPolicy.Automated = &automated{Prune: prune, SelfHeal: true}
	}
	return a
}

// AppProject is argoproj.io/v1alpha1.
type AppProject struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   objectMeta     `json:"metadata"`
	Spec       appProjectSpec `json:"spec"`
}

type appProjectSpec struct {
	Description                string                   `json:"description"`
	SourceRepos                []string                 `json:"sourceRepos"`
	Destinations               []applicationDestination `json:"destinations"`
	ClusterResourceWhitelist   []groupKind              `json:"clusterResourceWhitelist"`
	NamespaceResourceWhitelist []groupKind              `json:"namespaceResourceWhitelist,omitempty"`
}

type groupKind struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
}

// teamKinds are the kinds a team's services may deploy: exactly what the kubernetes target emits
// (TestAppProjectsAllowEveryKind), in-cluster dependencies included.
var teamKinds = []groupKind{
	{"", "ConfigMap"}, {"", "Service"}, {"", "ServiceAccount"},
	{"apps", "Deployment"}, {"apps", "StatefulSet"}, {"autoscaling", "HorizontalPodAutoscaler"}, {"batch", "CronJob"}, {"batch", "Job"},
	{"external-secrets.io", "ExternalSecret"}, {"gateway.networking.k8s.io", "HTTPRoute"},
	{"generators.external-secrets.io", "Password"}, {"keda.sh", "ScaledObject"}, {"keda.sh", "TriggerAuthentication"},
	{"monitoring.coreos.com", "PodMonitor"}, {"monitoring.coreos.com", "PrometheusRule"}, {"monitoring.coreos.com", "ServiceMonitor"},
	{"networking.istio.io", "ServiceEntry"}, {"networking.k8s.io", "Ingress"}, {"networking.k8s.io", "NetworkPolicy"},
	{"policy", "PodDisruptionBudget"}, {"policy.linkerd.io", "AuthorizationPolicy"}, {"policy.linkerd.io", "MeshTLSAuthentication"},
	{"policy.linkerd.io", "NetworkAuthentication"}, {"policy.linkerd.io", "Server"},
	{"security.istio.io", "AuthorizationPolicy"}, {"security.istio.io", "PeerAuthentication"},
}

func destinations(p *blueprints.ResolvedPlatform, namespaces []string) []applicationDestination {
	var d []applicationDestination
	for _, env := range p.Spec.Environments {
		for _, ns := range namespaces {
			d = append(d, applicationDestination{Name: env, Namespace: ns})
		}
	}
	return d
}

// teamProject lets a team's Applications deploy only from the GitOps repository, only into the team's
// namespaces, only the kinds Gantry generates, and nothing cluster-wide.
func teamProject(p *blueprints.ResolvedPlatform, team string, namespaces []string) AppProject {
	return AppProject{APIVersion: "argoproj.io/v1alpha1", Kind: "AppProject", Metadata: metaOf(projectName(p, team), ArgoNamespace, p),
		Spec: appProjectSpec{
			Description:                "Services of team " + team + " (generated by gantry)",
			SourceRepos:                []string{p.Spec.GitOps.RepoURL},
			Destinations:               destinations(p, namespaces),
			ClusterResourceWhitelist:   []groupKind{},
			NamespaceResourceWhitelist: teamKinds,
		}}
}

// namespaceProject deploys the namespaces' folders: the only cluster-scoped kind is Namespace.
func namespaceProject(p *blueprints.ResolvedPlatform, namespaces []string) AppProject {
	return AppProject{APIVersion: "argoproj.io/v1alpha1", Kind: "AppProject", Metadata: metaOf(p.Name, ArgoNamespace, p),
		Spec: appProjectSpec{
			Description:  "Namespaces of platform " + p.Name + " (generated by gantry)",
			SourceRepos:  []string{p.Spec.GitOps.RepoURL},
			Destinations: destinations(p, namespaces),
			// The namespace folders' admission policies are cluster-scoped, named after the namespace.
			ClusterResourceWhitelist: []groupKind{{"", "Namespace"},
				{"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"}, {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"}},
			NamespaceResourceWhitelist: []groupKind{
				{"networking.k8s.io", "NetworkPolicy"}, {"security.istio.io", "AuthorizationPolicy"}, {"security.istio.io", "PeerAuthentication"},
			},
		}}
}

// GitRepository is source.toolkit.fluxcd.io/v1.
type GitRepository struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Spec       gitRepositorySpec `json:"spec"`
}

type gitRepositorySpec struct {
	URL      string  `json:"url"`
	Ref      gitRef  `json:"ref"`
	Interval string  `json:"interval"`
	Ignore   *string `json:"ignore,omitempty"`
}

type gitRef struct {
	Branch string `json:"branch"`
}

func gitRepository(p *blueprints.ResolvedPlatform) GitRepository {
	return GitRepository{APIVersion: "source.toolkit.fluxcd.io/v1", Kind: "GitRepository", Metadata: metaOf(p.Name, FluxNamespace, p),
		Spec: gitRepositorySpec{URL: p.Spec.GitOps.RepoURL, Ref: gitRef{Branch: p.Spec.GitOps.Branch}, Interval: "1m"}}
}

// FluxKustomization is kustomize.toolkit.fluxcd.io/v1.
type FluxKustomization struct {
	APIVersion string                `json:"apiVersion"`
	Kind       string                `json:"kind"`
	Metadata   objectMeta            `json:"metadata"`
	Spec       fluxKustomizationSpec `json:"spec"`
}

type fluxKustomizationSpec struct {
	Interval  string       `json:"interval"`
	Path      string       `json:"path"`
	Prune     bool         `json:"prune"`
	Wait      bool         `json:"wait"`
	Timeout   string       `json:"timeout"`
	SourceRef sourceRef    `json:"sourceRef"`
	DependsOn []dependency `json:"dependsOn,omitempty"`
}

type sourceRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type dependency struct {
	Name string `json:"name"`
}

// fluxKustomization applies one folder; wait makes Flux health-check every object it applied.
func fluxKustomization(p *blueprints.ResolvedPlatform, name, repoPath string, deps []string, prune bool) FluxKustomization {
	k := FluxKustomization{APIVersion: "kustomize.toolkit.fluxcd.io/v1", Kind: "Kustomization", Metadata: metaOf(name, FluxNamespace, p),
		Spec: fluxKustomizationSpec{Interval: "10m", Path: "./" + strings.TrimPrefix(repoPath, "./"), Prune: prune, Wait: true, Timeout: "5m",
			SourceRef: sourceRef{Kind: "GitRepository", Name: p.Name}}}
	for _, d := range deps {
		k.Spec.DependsOn = append(k.Spec.DependsOn, dependency{Name: d})
	}
	return k
}
