package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// promtool runs the pinned promtool in dir.
func promtool(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	return checkers.Run(t, dir, checkers.Installed(t, "promtool")["promtool"], args...)
}

// ruleFileOf writes a PrometheusRule's spec (its groups) as a Prometheus rule file, which is what
// the operator hands Prometheus.
func ruleFileOf(t *testing.T, manifest []byte, dst string) int {
	t.Helper()
	var pr kubernetes.PrometheusRule
	if err := yaml.UnmarshalStrict(stripHeader(manifest), &pr); err != nil {
		t.Fatal(err)
	}
	writeYAML(t, dst, pr.Spec)
	n := 0
	for _, g := range pr.Spec.Groups {
		n += len(g.Rules)
	}
	return n
}

func stripHeader(b []byte) []byte {
	_, rest, _ := strings.Cut(string(b), "\n")
	return []byte(rest)
}

func writeYAML(t *testing.T, dst string, v any) {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPromtoolCheckRules: every generated PrometheusRule's groups pass `promtool check rules` (PromQL
// parses, templates expand, names and labels are valid).
func TestPromtoolCheckRules(t *testing.T) {
	r := render(t)
	dir := t.TempDir()
	var files []string
	rules := 0
	filepath.WalkDir(r.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "prometheusrule.yaml" {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, fmt.Sprintf("rules-%d.yaml", len(files)))
			rules += ruleFileOf(t, data, dst)
			files = append(files, dst)
		}
		return err
	})
	if len(files) == 0 || rules == 0 {
		t.Fatal("no PrometheusRule among the examples' output")
	}
	out, ok := promtool(t, dir, append([]string{"check", "rules", "--lint=all", "--lint-fatal"}, files...)...)
	if !ok || strings.Count(out, "SUCCESS: ") != len(files) {
		t.Errorf("promtool check rules:\n%s", out)
	}
	t.Logf("promtool check rules: %d rules in %d files", rules, len(files))
}

// TestPromtoolCatchesMistakes: a broken expression is refused by check rules, and a wrong burn-rate
// factor fails the generated unit tests.
func TestPromtoolCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := kubernetes.PrometheusRuleSpec{Groups: []kubernetes.RuleGroup{{Name: "bad", Rules: []kubernetes.Rule{
		{Record: "slo:sli_error:ratio_rate5m", Expr: "sum(rate(http_server_request_duration_seconds_count[5m])"}}}}}
	writeYAML(t, filepath.Join(dir, "bad.yaml"), bad)
	if out, ok := promtool(t, dir, "check", "rules", "bad.yaml"); ok || !strings.Contains(out, "parse error") {
		t.Errorf("promtool check rules passed a broken expression:\n%s", out)
	}
	rule, svc := sloRule(t, blueprints.SLO{SLI: blueprints.SLIAvailability, Objective: 99.9, Window: "30d"})
	for i, r := range rule.Spec.Groups[0].Rules {
		if r.Alert != "" {
			rule.Spec.Groups[0].Rules[i].Expr = strings.ReplaceAll(r.Expr, "(14.4 *", "(1.44 *")
		}
	}
	if out, ok := runSLOTests(t, rule, svc); ok || !strings.Contains(out, "FAILED") {
		t.Errorf("promtool test rules passed a page alert at a tenth of its burn rate:\n%s", out)
	}
}

// TestSLOAlertsFire feeds synthetic series to the generated rules (promtool test rules): each alert
// fires when the error ratio is above its burn rate and stays quiet below it, for a 30-day window (the
// workbook's), a 28-day latency objective, and a 7-day window whose alert windows are scaled; and a
// burst that stopped no longer pages once the short window is clean.
func TestSLOAlertsFire(t *testing.T) {
	for _, o := range []blueprints.SLO{
		{SLI: blueprints.SLIAvailability, Objective: 99.9, Window: "30d"},
		{SLI: blueprints.SLILatency, Objective: 99, Window: "28d", Threshold: "250ms"},
		{SLI: blueprints.SLILatency, Objective: 99.5, Window: "1w", Threshold: "1s"},
	} {
		t.Run(o.ID()+"-"+o.Window, func(t *testing.T) {
			rule, svc := sloRule(t, o)
			if out, ok := runSLOTests(t, rule, svc); !ok {
				t.Errorf("promtool test rules:\n%s", out)
			}
		})
	}
}

// sloRule generates the PrometheusRule of the example payments service with one objective instead
// of its own, with the alerts' annotations removed (promtool compares them exactly, values included).
func sloRule(t *testing.T, o blueprints.SLO) (kubernetes.PrometheusRule, *blueprints.ResolvedService) {
	t.Helper()
	res := gentest.LoadChecked(t)
	for _, p := range res.Platforms {
		for _, s := range p.Services {
			if s.Name != "payments" || p.Name != "acme" {
				continue
			}
			svc := *s
			svc.Base.SLOs = []blueprints.SLO{o}
			svc.Environments = slices.Clone(s.Environments)
			for i := range svc.Environments {
				svc.Environments[i].Spec.SLOs = svc.Base.SLOs
			}
			files, err := kubernetes.New().Generate(p, &svc)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if path.Base(f.Path) == "prometheusrule.yaml" {
					var pr kubernetes.PrometheusRule
					if err := yaml.UnmarshalStrict(stripHeader(f.Data), &pr); err != nil {
						t.Fatal(err)
					}
					for _, g := range pr.Spec.Groups {
						for i := range g.Rules {
							g.Rules[i].Annotations = nil
						}
					}
					return pr, &svc
				}
			}
			t.Fatal("payments has no prometheusrule.yaml")
		}
	}
	t.Fatal("no acme/payments among the examples")
	return kubernetes.PrometheusRule{}, nil
}

// promTest is promtool's unit test file.
type promTest struct {
	RuleFiles          []string    `json:"rule_files"`
	EvaluationInterval string      `json:"evaluation_interval"`
	Tests              []promGroup `json:"tests"`
}

type promGroup struct {
	Name          string      `json:"name"`
	Interval      string      `json:"interval"`
	InputSeries   []promInput `json:"input_series"`
	AlertRuleTest []promAlert `json:"alert_rule_test"`
}

type promInput struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

type promAlert struct {
	EvalTime  string         `json:"eval_time"`
	Alertname string         `json:"alertname"`
	ExpAlerts []promExpected `json:"exp_alerts"`
}

type promExpected struct {
	ExpLabels map[string]string `json:"exp_labels"`
}

// burn is one alert as the SRE workbook has it: its burn-rate factor, severity and windows.
type burn struct {
	factor                float64
	severity, long, short string
}

// workbook are the alerts each tested window must get, written out here rather than read from the
// rules: the workbook's for 30 days, and scaled by window / 30d (rounded to the minute, at least 2m).
var workbook = map[string][]burn{
	"30d": {{14.4, "critical", "1h", "5m"}, {6, "critical", "6h", "30m"}, {3, "warning", "1d", "2h"}, {1, "warning", "3d", "6h"}},
	"28d": {{14.4, "critical", "56m", "5m"}, {6, "critical", "5h36m", "28m"}, {3, "warning", "22h24m", "1h52m"}, {1, "warning", "2d19h12m", "5h36m"}},
	"1w":  {{14.4, "critical", "14m", "2m"}, {6, "critical", "1h24m", "7m"}, {3, "warning", "5h36m", "28m"}, {1, "warning", "16h48m", "1h24m"}},
}

// runSLOTests writes the rule and its unit tests and runs promtool test rules. For each alert a
// constant error ratio 25% above its factor times the budget (it and every slower alert fire) and
// 20% below (it stays quiet); for a 30-day window also a burst of errors at 20 times the budget for
// an hour that then stopped: ten minutes later the 1h/5m page is quiet, the others still fire.
func runSLOTests(t *testing.T, rule kubernetes.PrometheusRule, svc *blueprints.ResolvedService) (string, bool) {
	t.Helper()
	o := svc.Base.SLOs[0]
	g := rule.Spec.Groups[0]
	budget := (100 - o.Objective) / 100
	burns := workbook[o.Window]
	if n := strings.Count(fmt.Sprint(g.Rules), "ErrorBudgetBurn"); n != len(burns) || len(burns) == 0 {
		t.Fatalf("%d alerts in group %s, want %d", n, g.Name, len(burns))
	}
	expect := func(ratio float64, skip func(burn) bool) []promExpected {
		var exp []promExpected
		for _, b := range burns {
			if ratio > b.factor*budget && (skip == nil || !skip(b)) {
				exp = append(exp, promExpected{ExpLabels: map[string]string{
					"namespace": svc.Base.Namespace, "service": svc.Name, "slo": o.ID(),
					"severity": b.severity, "long_window": b.long, "short_window": b.short}})
			}
		}
		return exp
	}
	test := promTest{RuleFiles: []string{"rules.yaml"}, EvaluationInterval: "1m"}
	add := func(name string, bad []string, evalTime string, exp []promExpected) {
		test.Tests = append(test.Tests, promGroup{Name: name, Interval: "1m", InputSeries: sloSeries(o, svc, bad),
			AlertRuleTest: []promAlert{{EvalTime: evalTime, Alertname: "ErrorBudgetBurn", ExpAlerts: exp}}})
	}
	const perMinute = 100000.0
	for _, b := range burns {
		for _, k := range []float64{1.25, 0.8} {
			ratio := b.factor * budget * k
			if ratio >= 1 {
				continue
			}
			bad := []string{fmt.Sprintf("0+%sx180", strconv.FormatFloat(ratio*perMinute, 'f', -1, 64))}
			add(fmt.Sprintf("%s: %g times the budget (alert %s/%s at %g)", o.ID(), b.factor*k, b.long, b.short, b.factor),
				bad, "2h", expect(ratio, nil))
		}
	}
	if o.Window == "30d" {
		burst := 20 * budget * perMinute
		bad := []string{fmt.Sprintf("0+%sx59", strconv.FormatFloat(burst, 'f', -1, 64)), fmt.Sprintf("%s+0x20", strconv.FormatFloat(burst*60, 'f', -1, 64))}
		add(o.ID()+": a burst that stopped 10 minutes ago", bad, "70m",
			expect(1, func(b burn) bool { return b.long == "1h" }))
	}
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, "rules.yaml"), rule.Spec)
	writeYAML(t, filepath.Join(dir, "tests.yaml"), test)
	return promtool(t, dir, "test", "rules", "tests.yaml")
}

// sloSeries are the HTTP server histogram's series, 100000 requests a minute, of which bad (a promtool
// series expression, per minute) fail: with a 500 for availability, slower than the threshold for latency.
func sloSeries(o blueprints.SLO, svc *blueprints.ResolvedService, bad []string) []promInput {
	sel := fmt.Sprintf(`job=%q,namespace=%q`, svc.Name, svc.Base.Namespace)
	total := "0+100000x180"
	badExpr := strings.Join(bad, " ")
	if o.SLI == blueprints.SLIAvailability {
		// The good series counts the rest: 200s are total minus bad; promtool adds the two counters.
		return []promInput{
			{Series: fmt.Sprintf(`http_server_request_duration_seconds_count{%s,http_response_status_code="500"}`, sel), Values: badExpr},
			{Series: fmt.Sprintf(`http_server_request_duration_seconds_count{%s,http_response_status_code="200"}`, sel), Values: goodSeries(bad)},
		}
	}
	sec, _ := o.ThresholdSeconds()
	return []promInput{
		{Series: fmt.Sprintf(`http_server_request_duration_seconds_count{%s,http_response_status_code="200"}`, sel), Values: total},
		{Series: fmt.Sprintf(`http_server_request_duration_seconds_bucket{%s,http_response_status_code="200",le=%q}`, sel,
			strconv.FormatFloat(sec, 'f', -1, 64)), Values: goodSeries(bad)},
	}
}

// goodSeries is 100000 a minute minus bad, segment by segment ("a+bxn" becomes "(m-a)+(100000-b)xn"
// where m is the minutes before the segment times 100000).
func goodSeries(bad []string) string {
	var out []string
	minute := 0
	for _, seg := range bad {
		start, rest, _ := strings.Cut(seg, "+")
		step, n, _ := strings.Cut(rest, "x")
		a, _ := strconv.ParseFloat(start, 64)
		b, _ := strconv.ParseFloat(step, 64)
		count, _ := strconv.Atoi(n)
		out = append(out, fmt.Sprintf("%s+%sx%d", strconv.FormatFloat(float64(minute)*100000-a, 'f', -1, 64),
			strconv.FormatFloat(100000-b, 'f', -1, 64), count))
		minute += count + 1
	}
	return strings.Join(out, " ")
}

// TestDashboards: every generated dashboard ConfigMap carries the sidecar's label and one dashboard
// whose uid fits Grafana's 40 characters, whose panels have distinct ids and do not overlap, and whose
// every query is PromQL that promtool parses (as recording rules, Grafana's $__rate_interval as 5m).
func TestDashboards(t *testing.T) {
	r := render(t)
	dir := t.TempDir()
	var exprs []kubernetes.Rule
	n := 0
	filepath.WalkDir(r.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "dashboard.yaml" {
			return err
		}
		n++
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cm struct {
			Metadata struct{ Labels map[string]string }
			Data     map[string]string
		}
		if err := yaml.Unmarshal(stripHeader(data), &cm); err != nil || cm.Metadata.Labels["grafana_dashboard"] != "1" || len(cm.Data) != 1 {
			t.Fatalf("%s: not a sidecar dashboard ConfigMap (%v)", p, err)
		}
		for _, js := range cm.Data {
			exprs = append(exprs, checkDashboard(t, p, js)...)
		}
		return nil
	})
	if n == 0 || len(exprs) == 0 {
		t.Fatal("no dashboard among the examples' output")
	}
	writeYAML(t, filepath.Join(dir, "queries.yaml"), kubernetes.PrometheusRuleSpec{Groups: []kubernetes.RuleGroup{{Name: "queries", Rules: exprs}}})
	if out, ok := promtool(t, dir, "check", "rules", "queries.yaml"); !ok {
		t.Errorf("the dashboards' queries:\n%s", out)
	}
	t.Logf("%d dashboards, %d queries", n, len(exprs))
}

// checkDashboard checks one dashboard's JSON and returns its queries as recording rules.
func checkDashboard(t *testing.T, file, js string) []kubernetes.Rule {
	var d struct {
		UID    string
		Panels []struct {
			ID      int
			Type    string
			GridPos struct{ H, W, X, Y int }
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if d.UID == "" || len(d.UID) > 40 {
		t.Errorf("%s: uid %q", file, d.UID)
	}
	ids, cells := map[int]bool{}, map[[2]int]int{}
	var rules []kubernetes.Rule
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("%s: panel id %d twice", file, p.ID)
		}
		ids[p.ID] = true
		for y := p.GridPos.Y; y < p.GridPos.Y+p.GridPos.H; y++ {
			for x := p.GridPos.X; x < p.GridPos.X+p.GridPos.W; x++ {
				if other, ok := cells[[2]int{x, y}]; ok || x >= 24 {
					t.Errorf("%s: panel %d overlaps panel %d or the grid's 24 columns at %d,%d", file, p.ID, other, x, y)
				}
				cells[[2]int{x, y}] = p.ID
			}
		}
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("%s: panel %d has no query", file, p.ID)
		}
		for _, q := range p.Targets {
			rules = append(rules, kubernetes.Rule{Record: "dashboard:query", Expr: strings.ReplaceAll(q.Expr, "$__rate_interval", "5m")})
		}
	}
	return rules
}
