package blueprints

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SLI kinds: the share of requests served without a server error, and the share served within a
// latency threshold. Both are read from the OpenTelemetry HTTP server histogram
// (http.server.request.duration, exposed to Prometheus as http_server_request_duration_seconds).
const (
	SLIAvailability = "availability"
	SLILatency      = "latency"
)

// MaxSLOs is the most objectives one service declares.
const MaxSLOs = 10

// DefaultSLOWindow is the rolling window an objective is measured over unless it says otherwise: the
// window of the SRE workbook's burn-rate alerts.
const DefaultSLOWindow = "30d"

// SLO window bounds, in days: shorter windows make the burn-rate alerts' short windows shorter than
// a few scrapes, longer ones make their long windows span weeks of raw samples.
const (
	MinSLOWindowDays = 7
	MaxSLOWindowDays = 90
)

// LatencyBuckets are the bucket boundaries, in seconds, that OpenTelemetry's semantic conventions
// advise for http.server.request.duration and that the skeletons of gantry new expose. A latency
// objective's threshold must be one of them: the query counts the requests in the bucket `le` it names.
var LatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// SLO is one service level objective of a web service.
type SLO struct {
	SLI       string  `json:"sli" required:"true" enum:"availability,latency" desc:"What is measured: availability is the share of requests answered without a server error (HTTP status other than 5xx), latency the share answered within threshold. Both read the OpenTelemetry HTTP server histogram http_server_request_duration_seconds (see README, SLOs)."`
	Objective float64 `json:"objective" required:"true" min:"93.1" max:"99.999" example:"99.9" desc:"Target, in percent of requests over the window. At least 93.1: below 93.06 the fastest burn-rate alert (14.4 times the budget) would need more than 100% of requests to fail."`
	Window    string  `json:"window,omitempty" pattern:"^[0-9]+[dw]$" example:"28d" desc:"Rolling window the objective is measured over, in days (d) or weeks (w), from 7d to 90d; defaults to 30d. The burn-rate alerts' windows scale with it (README, SLOs)."`
	Threshold string  `json:"threshold,omitempty" example:"250ms" desc:"Latency only, and required there: a request counts as good when answered within it. One of the histogram's bucket boundaries (the OpenTelemetry defaults): 5ms, 10ms, 25ms, 50ms, 75ms, 100ms, 250ms, 500ms, 750ms, 1s, 2.5s, 5s, 7.5s, 10s."`
	Runbook   string  `json:"runbook,omitempty" example:"https://runbooks.example.com/payments/availability" desc:"https:// URL of the runbook the alerts link to (their runbook_url annotation)."`
}

// ID names the objective in rule labels and alerts: availability, or latency-<threshold>.
func (o SLO) ID() string {
	if o.SLI == SLILatency {
		return SLILatency + "-" + o.Threshold
	}
	return o.SLI
}

// WindowDays is the window in days; 0 when it is malformed (reported by validation).
func (o SLO) WindowDays() int {
	w := o.Window
	if len(w) < 2 {
		return 0
	}
	n, err := strconv.Atoi(w[:len(w)-1])
	if err != nil || n <= 0 || n > 1000 {
		return 0
	}
	if w[len(w)-1] == 'w' {
		return n * 7
	}
	return n
}

// ThresholdSeconds is the latency threshold in seconds, and whether it is a bucket boundary.
func (o SLO) ThresholdSeconds() (float64, bool) {
	d, err := time.ParseDuration(o.Threshold)
	if err != nil {
		return 0, false
	}
	s := d.Seconds()
	return s, slices.Contains(LatencyBuckets, s)
}

// normaliseSLOs drops the objectives of a service they cannot measure (the metrics are an HTTP
// server's, on a web service), fills each one's default window and spells a latency threshold one way.
func normaliseSLOs(s *ServiceSpec) []Dropped {
	if len(s.SLOs) == 0 {
		return nil
	}
	msg, hint := "", ""
	switch {
	case s.Type != TypeWeb && s.Type != "":
		msg, hint = fmt.Sprintf("does not apply to a %s service", s.Type), "SLOs measure the requests a web service answers"
	case s.Protocol != "" && s.Protocol != "http":
		msg, hint = fmt.Sprintf("SLOs do not apply to protocol %s", s.Protocol),
			"they read the OpenTelemetry HTTP server metrics; use `protocol: http`"
	}
	if msg != "" {
		s.SLOs = nil
		return []Dropped{{Path: "spec.slos", Message: msg, Hint: hint}}
	}
	s.SLOs = slices.Clone(s.SLOs)
	for i := range s.SLOs {
		o := &s.SLOs[i]
		if o.Window == "" {
			o.Window = DefaultSLOWindow
		}
		if sec, ok := o.ThresholdSeconds(); ok && o.SLI == SLILatency {
			o.Threshold = FormatSeconds(sec) // one spelling for the rule labels: 0.25s is 250ms
		}
	}
	return nil
}

// slos checks the objectives: one per SLI and threshold, a window in range, a threshold exactly
// where latency needs one, metrics to read.
func (c *check) slos(s *ServiceSpec) {
	l := c.list("spec.slos", len(s.SLOs), MaxSLOs, "SLOs", c.errf)
	if l == nil || len(s.SLOs) == 0 {
		return
	}
	if s.MetricsPort == 0 {
		c.errf("spec.slos", "add `metricsPort: 9090` and serve http_server_request_duration_seconds there (README, SLOs)",
			"SLOs need the service's metrics, and spec.metricsPort is not set")
	}
	for i, o := range s.SLOs {
		p := fmt.Sprintf("spec.slos[%d]", i)
		if c.r.written(c.l, p+".window") && o.WindowDays() != 0 {
			if d := o.WindowDays(); d < MinSLOWindowDays || d > MaxSLOWindowDays {
				c.errf(p+".window", "for example 28d or 30d", "window %s is %d days: must be from %dd to %dd", o.Window, d, MinSLOWindowDays, MaxSLOWindowDays)
			}
		}
		if u, err := url.Parse(o.Runbook); o.Runbook != "" && (err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(o.Runbook, " \t\n\"{}")) {
			c.errf(p+".runbook", "for example https://runbooks.example.com/payments", "%q is not an https:// URL", truncate(o.Runbook, 60))
		}
		switch {
		case o.SLI == SLILatency && o.Threshold == "":
			c.errf(p+".threshold", "add for example `threshold: 250ms`: a request answered within it counts as good", "a latency SLO needs a threshold")
			continue
		case o.SLI == SLILatency:
			if _, ok := o.ThresholdSeconds(); !ok {
				c.errf(p+".threshold", thresholdHint(o.Threshold), "%q is not a bucket boundary of http_server_request_duration_seconds", truncate(o.Threshold, 20))
				continue
			}
		case o.Threshold != "":
			c.errf(p+".threshold", "remove it: availability counts the requests answered without a 5xx status", "threshold applies to latency SLOs only")
		}
		if o.SLI == SLIAvailability || o.SLI == SLILatency {
			sec, _ := o.ThresholdSeconds()
			l.once(p+".sli", i, o.SLI+"\x00"+strconv.FormatFloat(sec, 'g', -1, 64), "SLO", o.ID(),
				"already declared as slos[%d]; one objective per SLI (and latency threshold)")
		}
	}
}

// thresholdHint names the bucket boundaries around a threshold that is not one, or all of them.
func thresholdHint(t string) string {
	all := make([]string, len(LatencyBuckets))
	for i, b := range LatencyBuckets {
		all[i] = FormatSeconds(b)
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 {
		return "a duration such as 250ms or 1s, one of: " + strings.Join(all, ", ")
	}
	i, _ := slices.BinarySearch(LatencyBuckets, d.Seconds())
	switch {
	case i == 0:
		return "use " + all[0] + ", the smallest bucket boundary"
	case i == len(all):
		return "use " + all[len(all)-1] + ", the largest bucket boundary"
	}
	return fmt.Sprintf("use %s or %s, the bucket boundaries around it", all[i-1], all[i])
}

// FormatSeconds writes a bucket boundary as a duration: 250ms, 1s, 2.5s.
func FormatSeconds(s float64) string {
	if s < 1 {
		return strconv.FormatFloat(s*1000, 'g', -1, 64) + "ms"
	}
	return strconv.FormatFloat(s, 'g', -1, 64) + "s"
}
