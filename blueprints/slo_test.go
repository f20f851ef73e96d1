package blueprints

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
)

// sloWeb is ruleWeb with metricsPort 9090 on line 10 and the given spec.slos entries from line 12
// (`  slos:` is line 11).
func sloWeb(entries ...string) map[string]string {
	return ruleWeb(append([]string{"  metricsPort: 9090", "  slos:"}, entries...)...)
}

// TestRuleServiceSLOs covers every validation rule of spec.slos.
func TestRuleServiceSLOs(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{
			name:  "slos valid",
			files: sloWeb("    - {sli: availability, objective: 99.9}", "    - {sli: latency, objective: 99, threshold: 250ms, window: 4w, runbook: https://runbooks.example.com/api}"),
		},
		{
			name:  "slo objective below the fastest burn rate's reach",
			files: sloWeb("    - {sli: availability, objective: 90}"),
			want:  []string{`svc.yaml:12:38: spec.slos[0].objective: must be at least 93.1, got 90`},
		},
		{
			name:  "slo objective of 100",
			files: sloWeb("    - {sli: availability, objective: 100}"),
			want:  []string{`svc.yaml:12:38: spec.slos[0].objective: must be at most 99.999, got 100`},
		},
		{
			name:  "slo objective as a string",
			files: sloWeb(`    - {sli: availability, objective: "99.9"}`),
			want:  []string{`svc.yaml:12:38: spec.slos[0].objective: must be a number, got the string "99.9" (remove the quotes)`},
		},
		{
			name:  "slo objective missing",
			files: sloWeb("    - {sli: availability}"),
			want:  []string{"svc.yaml:12:7: spec.slos[0].objective: required field is missing (add `objective: 99.9`)"},
		},
		{
			name:  "slo unknown sli",
			files: sloWeb("    - {sli: availabilty, objective: 99.9}"),
			want:  []string{`svc.yaml:12:13: spec.slos[0].sli: "availabilty" is not allowed (did you mean "availability"?)`},
		},
		{
			name:  "slo window malformed",
			files: sloWeb("    - {sli: availability, objective: 99.9, window: 30days}"),
			want:  []string{`svc.yaml:12:52: spec.slos[0].window: "30days" has the wrong form (for example "28d")`},
		},
		{
			name:  "slo window too short",
			files: sloWeb("    - {sli: availability, objective: 99.9, window: 1d}"),
			want:  []string{`svc.yaml:12:52: spec.slos[0].window: window 1d is 1 days: must be from 7d to 90d (for example 28d or 30d)`},
		},
		{
			name:  "slo window too long in weeks",
			files: sloWeb("    - {sli: availability, objective: 99.9, window: 14w}"),
			want:  []string{`svc.yaml:12:52: spec.slos[0].window: window 14w is 98 days: must be from 7d to 90d (for example 28d or 30d)`},
		},
		{
			name:  "slo latency without threshold",
			files: sloWeb("    - {sli: latency, objective: 99}"),
			want:  []string{"svc.yaml:12:7: spec.slos[0].threshold: a latency SLO needs a threshold (add for example `threshold: 250ms`: a request answered within it counts as good)"},
		},
		{
			name:  "slo latency threshold between buckets",
			files: sloWeb("    - {sli: latency, objective: 99, threshold: 300ms}"),
			want:  []string{`svc.yaml:12:48: spec.slos[0].threshold: "300ms" is not a bucket boundary of http_server_request_duration_seconds (use 250ms or 500ms, the bucket boundaries around it)`},
		},
		{
			name:  "slo latency threshold above the buckets",
			files: sloWeb("    - {sli: latency, objective: 99, threshold: 30s}"),
			want:  []string{`svc.yaml:12:48: spec.slos[0].threshold: "30s" is not a bucket boundary of http_server_request_duration_seconds (use 10s, the largest bucket boundary)`},
		},
		{
			name:  "slo latency threshold not a duration",
			files: sloWeb("    - {sli: latency, objective: 99, threshold: fast}"),
			want:  []string{`svc.yaml:12:48: spec.slos[0].threshold: "fast" is not a bucket boundary of http_server_request_duration_seconds (a duration such as 250ms or 1s, one of: 5ms, 10ms, 25ms, 50ms, 75ms, 100ms, 250ms, 500ms, 750ms, 1s, 2.5s, 5s, 7.5s, 10s)`},
		},
		{
			name:  "slo availability with a threshold",
			files: sloWeb("    - {sli: availability, objective: 99.9, threshold: 250ms}"),
			want:  []string{`svc.yaml:12:55: spec.slos[0].threshold: threshold applies to latency SLOs only (remove it: availability counts the requests answered without a 5xx status)`},
		},
		{
			name:  "slo availability twice",
			files: sloWeb("    - {sli: availability, objective: 99.9}", "    - {sli: availability, objective: 99.5, window: 7d}"),
			want:  []string{`svc.yaml:13:13: spec.slos[1].sli: duplicate SLO "availability" (already declared as slos[0]; one objective per SLI (and latency threshold))`},
		},
		{
			// 0.25s and 250ms are one threshold; two latency objectives with different thresholds are fine.
			name:  "slo latency threshold twice in two spellings",
			files: sloWeb("    - {sli: latency, objective: 99, threshold: 250ms}", "    - {sli: latency, objective: 99.9, threshold: 1s}", "    - {sli: latency, objective: 99.5, threshold: 0.25s}"),
			want:  []string{`svc.yaml:14:13: spec.slos[2].sli: duplicate SLO "latency-250ms" (already declared as slos[0]; one objective per SLI (and latency threshold))`},
		},
		{
			name:  "slo runbook not https",
			files: sloWeb("    - {sli: availability, objective: 99.9, runbook: http://wiki/runbook}"),
			want:  []string{`svc.yaml:12:53: spec.slos[0].runbook: "http://wiki/runbook" is not an https:// URL (for example https://runbooks.example.com/payments)`},
		},
		{
			name:  "slos without metricsPort",
			files: ruleWeb("  slos: [{sli: availability, objective: 99.9}]"),
			want:  []string{"svc.yaml:10:9: spec.slos: SLOs need the service's metrics, and spec.metricsPort is not set (add `metricsPort: 9090` and serve http_server_request_duration_seconds there (README, SLOs))"},
		},
		{
			name:  "slos on a worker",
			files: ruleSvc(TypeWorker, "  slos: [{sli: availability, objective: 99.9}]"),
			want:  []string{`svc.yaml:10:9: spec.slos: does not apply to a worker service (SLOs measure the requests a web service answers)`},
		},
		{
			name:  "slos on a grpc service",
			files: ruleWeb("  protocol: grpc", "  metricsPort: 9090", "  slos: [{sli: availability, objective: 99.9}]"),
			want:  []string{"svc.yaml:12:9: spec.slos: SLOs do not apply to protocol grpc (they read the OpenTelemetry HTTP server metrics; use `protocol: http`)"},
		},
		{
			name: "slos too many",
			files: ruleWeb("  metricsPort: 9090", "  slos: "+ruleList(MaxSLOs+1, func(i int) string {
				return fmt.Sprintf("{sli: latency, objective: 99, threshold: %s}", FormatSeconds(LatencyBuckets[i]))
			})),
			want: []string{"svc.yaml:11:9: spec.slos: more than 10 SLOs"},
		},
		{
			// A platform default applies where it fits: a worker inherits nothing and hears nothing of it.
			name: "slos from platform defaults skip a worker",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    metricsPort: 9090", "    slos: [{sli: availability, objective: 99.9}]"),
				"svc.yaml":      ruleService("api", TypeWorker, "  health: {liveness: /livez}"),
			},
		},
	})
}

// TestSLODefaults: the window defaults to 30d and a threshold is spelled one way, as the rules label it.
func TestSLODefaults(t *testing.T) {
	res, diags := ruleLoad(t, sloWeb("    - {sli: availability, objective: 99.95}", "    - {sli: latency, objective: 99, threshold: 0.5s, window: 4w}"))
	if diags.HasErrors(true) {
		t.Fatal(diags)
	}
	got := res.Platforms[0].Services[0].Base.SLOs
	want := []SLO{{SLI: SLIAvailability, Objective: 99.95, Window: "30d"}, {SLI: SLILatency, Objective: 99, Threshold: "500ms", Window: "4w"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SLOs = %+v, want %+v", got, want)
	}
	if got[1].ID() != "latency-500ms" || got[1].WindowDays() != 28 {
		t.Errorf("ID %q, WindowDays %d", got[1].ID(), got[1].WindowDays())
	}
}

// TestSLOObjectiveFloor: the objective's min tag keeps the fastest burn-rate alert reachable: 14.4 times
// the error budget must stay below 100% of requests.
func TestSLOObjectiveFloor(t *testing.T) {
	f, _ := reflect.TypeFor[SLO]().FieldByName("Objective")
	lo, err := strconv.ParseFloat(f.Tag.Get("min"), 64)
	if err != nil {
		t.Fatal(err)
	}
	if budget := (100 - lo) / 100; 14.4*budget >= 1 {
		t.Errorf("objective min %v: 14.4 x %v budget = %v, an error ratio above 100%%", lo, budget, 14.4*budget)
	}
}
