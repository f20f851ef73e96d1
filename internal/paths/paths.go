// Package paths shows file paths to people: relative to the working folder where they are below it.
package paths

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Display shows a path relative to the working folder where it is below it (as the shell names the
// folder, or where it really is), with slashes; else absolute.
func Display(p string) string {
	return Displayer()(p)
}

// Displayer is Display for many paths: it reads the working folder once (resolving its links costs a
// system call per folder of it), on first use.
func Displayer() func(string) string {
	dirs := sync.OnceValue(func() []string {
		wd, _ := os.Getwd()
		return []string{wd, RealWd()}
	})
	return func(p string) string {
		if !filepath.IsAbs(p) {
			if wd := dirs()[0]; wd != "" {
				p = filepath.Join(wd, p)
			}
		}
		return display(p, dirs())
	}
}

func display(p string, dirs []string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	for _, dir := range dirs {
		if rel, err := filepath.Rel(dir, abs); dir != "" && err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// RealWd is the working folder with symbolic links resolved: where the system resolves a relative path
// ("..") from.
func RealWd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		return real
	}
	return wd
}

// RepoRoot is the repository (the nearest folder with .git) holding dir, or "" outside one.
func RepoRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return abs
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return ""
		}
		abs = parent
	}
}
