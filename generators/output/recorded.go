package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/targets"
	"github.com/gantry-dev/gantry/internal/paths"
)

// recordedPaths is what Options.Recorded loads: the blueprints the output folder's record says its
// files were generated from (generators.Recorded), found under the repository root (the git
// repository that holds the output folder, else repo), shown relative to the working folder; and, as Sources,
// those of them that are gone: the run speaks for them (their files go, as a deleted blueprint's do).
// Only a blueprint a platform's list in the record names counts as gone: an entry alone that names a
// path that does not exist cannot make the run remove its file.
//
// It is how a job that upgrades Gantry regenerates an output folder without knowing which blueprint
// folders feed it: every platform writing there, as it was last generated.
func recordedPaths(output, repo string) (load, gone []string, err error) {
	recorded, members, ok, err := generators.Recorded(output, targets.InRepo)
	switch {
	case err != nil:
		return nil, nil, err
	case !ok:
		return nil, nil, fmt.Errorf("%s has no record of generated files (%s/manifest.json): name the blueprints instead of --recorded", filepath.ToSlash(output), generators.StateDir)
	}
	// Sources are relative to the git repository of the blueprints, the output folder's own as a rule;
	// --repo (where the repository's files go) stands in outside one.
	if root := paths.RepoRoot(output); root != "" {
		repo = root
	} else if repo == "" {
		return nil, nil, errors.New("the record's paths are relative to the repository root, and the output folder is in no git repository: name the root with --repo")
	}
	if abs, err := filepath.Abs(repo); err == nil {
		repo = abs
	}
	wd, _ := os.Getwd()
	for _, p := range recorded {
		abs := filepath.Join(repo, filepath.FromSlash(p))
		if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
			if _, member := slices.BinarySearch(members, p); member {
				gone = append(gone, p)
			}
			continue
		}
		if rel, err := filepath.Rel(wd, abs); err == nil && wd != "" {
			abs = rel
		}
		load = append(load, abs)
	}
	if len(load) == 0 {
		return nil, nil, fmt.Errorf("%s: none of the %d blueprints its record names exists under %s: name the blueprints' folders instead of --recorded (or --repo, if that is not the repository root)", filepath.ToSlash(output), len(recorded), filepath.ToSlash(repo))
	}
	return load, gone, nil
}
