package kubernetes_test

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// TestFinishedJobTTL: a CronJob's Jobs (its own, not in Git) are deleted FinishedJobTTL seconds after
// they finish; a job service's Job (in Git, an Argo CD Sync hook and a Flux forced object) has no TTL,
// because Flux would apply it again, and so run it again, once the TTL controller deleted it.
func TestFinishedJobTTL(t *testing.T) {
	const head = "apiVersion: gantry.dev/v1\nkind: Service\n"
	files := generateInMemory(t, map[string]string{
		"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {}\n",
		"nightly.yaml": head + "metadata: {name: nightly, team: data}\n" +
			"spec: {runtime: go, type: cron, schedule: \"30 2 * * *\"}\n",
		"migrate.yaml": head + "metadata: {name: migrate, team: data}\nspec: {runtime: go, type: job}\n",
	}, true)
	read := func(path string, into any) {
		t.Helper()
		if err := sigsyaml.UnmarshalStrict(fileData(t, files, path), into); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	var cron batchv1.CronJob
	read("nightly/kubernetes/base/cronjob.yaml", &cron)
	if ttl := cron.Spec.JobTemplate.Spec.TTLSecondsAfterFinished; ttl == nil || *ttl != kubernetes.FinishedJobTTL {
		t.Errorf("CronJob jobTemplate ttlSecondsAfterFinished = %v, want %d", ttl, kubernetes.FinishedJobTTL)
	}
	if s, f := cron.Spec.SuccessfulJobsHistoryLimit, cron.Spec.FailedJobsHistoryLimit; s == nil || f == nil || *s != 3 || *f != 3 {
		t.Errorf("CronJob history limits = %v, %v, want 3 and 3", s, f)
	}

	var job batchv1.Job
	read("migrate/kubernetes/base/job.yaml", &job)
	if ttl := job.Spec.TTLSecondsAfterFinished; ttl != nil {
		t.Errorf("Job ttlSecondsAfterFinished = %d, want none (Flux would run the Job again after the TTL controller deleted it)", *ttl)
	}
	for k, v := range map[string]string{
		"argocd.argoproj.io/hook":               "Sync",
		"argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
		"kustomize.toolkit.fluxcd.io/force":     "enabled",
	} {
		if got := job.Annotations[k]; got != v {
			t.Errorf("Job annotation %s = %q, want %q (the finished Job is replaced on the next deploy instead)", k, got, v)
		}
	}
}
