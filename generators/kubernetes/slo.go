package kubernetes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gantry-dev/gantry/blueprints"
)

// A service's SLOs become a PrometheusRule (recording rules for the error ratio over each alert
// window, and the SRE workbook's multi-window, multi-burn-rate alerts) and a Grafana dashboard. The
// SLIs read the OpenTelemetry HTTP server histogram as Prometheus scrapes it through the
// ServiceMonitor: job is the Service's name, namespace its namespace.

// Metric names of the OpenTelemetry HTTP semantic conventions (http.server.request.duration, in
// seconds, with http.response.status_code) in Prometheus form.
const (
	requestDuration = "http_server_request_duration_seconds"
	statusLabel     = "http_response_status_code"
)

// burnAlert is one of the workbook's alerts for a 30-day window: it fires when the error ratio over
// both windows is above factor times the budget, that is when factor*long/30d of the window's budget
// went in the long window (2% in 1h, 5% in 6h, 10% in 1d and in 3d).
type burnAlert struct {
	severity    string // critical pages; warning opens a ticket
	long, short time.Duration
	factor      float64
}

var burnAlerts = []burnAlert{
	{"critical", time.Hour, 5 * time.Minute, 14.4},
	{"critical", 6 * time.Hour, 30 * time.Minute, 6},
	{"warning", 24 * time.Hour, 2 * time.Hour, 3},
	{"warning", 72 * time.Hour, 6 * time.Hour, 1},
}

// minAlertWindow is the shortest window a scaled alert gets: four scrapes at the ServiceMonitor's 30s.
const minAlertWindow = 2 * time.Minute

// windows returns an alert's windows for an objective over days: the workbook's for 30 days, scaled
// with the window otherwise (so each alert still means the same share of the budget at the same
// factor), rounded to the minute and at least minAlertWindow.
func (a burnAlert) windows(days int) (long, short time.Duration) {
	scale := func(d time.Duration) time.Duration {
		return max((d * time.Duration(days) / 30).Round(time.Minute), minAlertWindow)
	}
	return scale(a.long), scale(a.short)
}

// promDuration writes d as Prometheus does: 1d, 6h, 5h36m, 2m.
func promDuration(d time.Duration) string {
	var b [32]byte // a SLO's alert windows are called for dozens of times a service: no fmt
	out := b[:0]
	for _, u := range []struct {
		unit byte
		d    time.Duration
	}{{'d', 24 * time.Hour}, {'h', time.Hour}, {'m', time.Minute}} {
		if n := d / u.d; n > 0 {
			out = append(strconv.AppendInt(out, int64(n), 10), u.unit)
			d -= n * u.d
		}
	}
	return string(out)
}

// PrometheusRule is monitoring.coreos.com/v1.
type PrometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PrometheusRuleSpec `json:"spec"`
}

// PrometheusRuleSpec holds the rule groups, as in a Prometheus rule file.
type PrometheusRuleSpec struct {
	Groups []RuleGroup `json:"groups"`
}

// RuleGroup is evaluated in order: the recording rules before the alerts that read them.
type RuleGroup struct {
	Name  string `json:"name"`
	Rules []Rule `json:"rules"`
}

// Rule is a recording rule (Record) or an alert (Alert).
type Rule struct {
	Record      string            `json:"record,omitempty"`
	Alert       string            `json:"alert,omitempty"`
	Expr        string            `json:"expr"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// sloAlert is the alerts' name; labels say which service, SLO, severity and windows.
const sloAlert = "ErrorBudgetBurn"

// sloObjects are the PrometheusRule and the dashboard of a service with SLOs.
func (m *model) sloObjects() []object {
	if len(m.s.SLOs) == 0 {
		return nil
	}
	return []object{
		{"prometheusrule.yaml", []any{m.prometheusRule()}},
		{"dashboard.yaml", []any{m.dashboardConfigMap()}},
	}
}

func (m *model) prometheusRule() PrometheusRule {
	r := PrometheusRule{TypeMeta: typeMeta("monitoring.coreos.com/v1", "PrometheusRule"), ObjectMeta: m.meta(m.name + "-slos")}
	for _, o := range m.s.SLOs {
		r.Spec.Groups = append(r.Spec.Groups, m.sloGroup(o))
	}
	return r
}

// selector matches the service's series as the ServiceMonitor's scrape labels them.
func (m *model) promSelector(extra ...string) string {
	return strings.Join(append([]string{"job=" + strconv.Quote(m.name), "namespace=" + strconv.Quote(m.ns)}, extra...), ",")
}

// sliErrorExpr is the share of bad requests over window w: 5xx answers for availability, answers
// slower than the threshold for latency. With traffic but no 5xx series yet, the ratio is 0, not absent.
func (m *model) sliErrorExpr(o blueprints.SLO, w string) string {
	total := fmt.Sprintf("sum(rate(%s_count{%s}[%s]))", requestDuration, m.promSelector(), w)
	if o.SLI == blueprints.SLILatency {
		sec, _ := o.ThresholdSeconds()
		good := fmt.Sprintf("sum(rate(%s_bucket{%s}[%s]))", requestDuration, m.promSelector(leMatcher(sec)), w)
		return fmt.Sprintf("1 - %s / %s", good, total)
	}
	bad := fmt.Sprintf("sum(rate(%s_count{%s}[%s]))", requestDuration, m.promSelector(statusLabel+`=~"5.."`), w)
	return fmt.Sprintf("(%s or vector(0)) / %s", bad, total)
}

// leMatcher selects a bucket by its upper bound. Prometheus 3 stores a whole bound as 1.0 where an
// exporter wrote 1, Prometheus 2 as written: a regular expression takes both.
func leMatcher(sec float64) string {
	le := strconv.FormatFloat(sec, 'f', -1, 64)
	if !strings.Contains(le, ".") {
		return `le=~"` + le + `(\\.0)?"`
	}
	return `le="` + le + `"`
}

func sliRecord(w string) string { return "slo:sli_error:ratio_rate" + w }

// sloGroup records the SLI's error ratio over every window an alert reads, then the four alerts.
func (m *model) sloGroup(o blueprints.SLO) RuleGroup {
	labels := map[string]string{"namespace": m.ns, "service": m.name, "slo": o.ID()}
	series := fmt.Sprintf("{namespace=%q,service=%q,slo=%q}", m.ns, m.name, o.ID())
	days := o.WindowDays()
	var ws []time.Duration
	for _, a := range burnAlerts {
		long, short := a.windows(days)
		ws = append(ws, long, short)
	}
	slices.Sort(ws)
	g := RuleGroup{Name: m.name + "-slo-" + o.ID()}
	for _, w := range slices.Compact(ws) {
		g.Rules = append(g.Rules, Rule{Record: sliRecord(promDuration(w)), Expr: m.sliErrorExpr(o, promDuration(w)), Labels: labels})
	}
	budget := (100 - o.Objective) / 100
	for _, a := range burnAlerts {
		long, short := a.windows(days)
		limit := fmt.Sprintf("(%s * %s)", fmtFloat(a.factor), fmtFloat(budget))
		r := Rule{Alert: sloAlert,
			Expr: fmt.Sprintf("%s%s > %s and %s%s > %s", sliRecord(promDuration(long)), series, limit,
				sliRecord(promDuration(short)), series, limit),
			Labels: map[string]string{"severity": a.severity, "long_window": promDuration(long), "short_window": promDuration(short)},
			Annotations: map[string]string{
				"summary": fmt.Sprintf("%s: %s error budget burning at %sx (%s of the %s budget in %s)",
					m.name, o.ID(), fmtFloat(a.factor), pct(a.factor*float64(long)/float64(time.Duration(days)*24*time.Hour)), o.Window, promDuration(long)),
				"description": fmt.Sprintf("%s of the requests to %s were bad over the last %s (and still over %s); the objective %s%% over %s allows %s. "+
					"At this rate the whole budget lasts %s.", "{{ $value | humanizePercentage }}", m.name, promDuration(long), promDuration(short),
					fmtFloat(o.Objective), o.Window, pct(budget), promDuration((time.Duration(days) * 24 * time.Hour / time.Duration(a.factor*1000) * 1000).Round(time.Hour))),
			}}
		if o.Runbook != "" {
			r.Annotations["runbook_url"] = o.Runbook
		}
		g.Rules = append(g.Rules, r)
	}
	return g
}

// fmtFloat writes a float with no binary noise: 0.001, not 0.0010000000000000009.
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }

func pct(f float64) string { return fmtFloat(f*100) + "%" }
