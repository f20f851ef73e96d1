package blueprints

import (
	"fmt"
	"strconv"
	"strings"
)

// cronMacros are the schedule shorthands Kubernetes CronJobs accept.
var cronMacros = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

var cronFields = []struct {
	name   string
	lo, hi int
	names  []string // index + lo = value
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{"day of week", 0, 7, []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// checkCron validates a five-field cron expression (the syntax of Kubernetes CronJob schedules) and
// returns what is wrong, or "".
func checkCron(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		for _, m := range cronMacros {
			if s == m {
				return ""
			}
		}
		if strings.HasPrefix(s, "@every") {
			return "@every is not supported by Kubernetes CronJobs"
		}
		return fmt.Sprintf("unknown macro %q (use one of %s)", s, strings.Join(cronMacros, ", "))
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return "time zones in the schedule are not supported by Kubernetes CronJobs"
	}
	parts := strings.Fields(s)
	if len(parts) != 5 {
		return fmt.Sprintf("needs 5 fields (minute hour day-of-month month day-of-week), got %d", len(parts))
	}
	for i, p := range parts {
		if msg := checkCronField(p, i); msg != "" {
			return fmt.Sprintf("%s field %q: %s", cronFields[i].name, p, msg)
		}
	}
	return ""
}

func checkCronField(field string, i int) string {
	f := cronFields[i]
	for _, item := range strings.Split(field, ",") {
		rng, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 || n > f.hi {
				return fmt.Sprintf("step %q must be a number from 1 to %d", step, f.hi)
			}
		}
		if rng == "*" || (rng == "?" && (i == 2 || i == 4)) {
			continue
		}
		loS, hiS, isRange := strings.Cut(rng, "-")
		lo, msg := cronValue(loS, f.lo, f.hi, f.names)
		if msg != "" {
			return msg
		}
		if isRange {
			hi, msg := cronValue(hiS, f.lo, f.hi, f.names)
			if msg != "" {
				return msg
			}
			if hi < lo {
				return fmt.Sprintf("range %s runs backwards", rng)
			}
		}
	}
	return ""
}

func cronValue(s string, lo, hi int, names []string) (int, string) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i + lo, ""
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Sprintf("%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, fmt.Sprintf("%d is outside %d-%d", v, lo, hi)
	}
	return v, ""
}
