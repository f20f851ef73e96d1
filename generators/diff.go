package generators

import "github.com/gantry-dev/gantry/internal/diff"

// UnifiedDiff returns a unified diff (three lines of context) from old to new, labelled with the
// paths; "" when they are equal. The golden-file tests print the same diff (internal/golden).
func UnifiedDiff(oldPath, newPath string, old, new []byte) string {
	return diff.Unified(oldPath, newPath, old, new)
}
