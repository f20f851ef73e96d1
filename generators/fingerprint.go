package generators

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
)

// fingerprints gives each service of p the hash of everything its own files are rendered from: its
// resolved blueprint (every field, config files' contents and resolved connection values included),
// the platform without its service list, and the resolved blueprints of the services it names in calls
// or callers and of those that name it. A generator's Generate reads nothing else. The platform-wide
// files read the whole platform: their hash (all) is the platform's and every service's own, in the
// platform's order, so that any change to any of them renders them again. TestIncrementalEqualsFull
// is the judge.
func fingerprints(p *blueprints.ResolvedPlatform) (_ map[*blueprints.ResolvedService][sha256.Size]byte, all [sha256.Size]byte, _ error) {
	var enc encoder
	if err := enc.value(reflect.ValueOf(struct {
		Name, File, Source string
		Spec               blueprints.PlatformSpec
	}{p.Name, p.File, p.Source, p.Spec})); err != nil {
		return nil, all, err
	}
	platform := sha256.Sum256(enc.buf)
	own := make(map[*blueprints.ResolvedService][sha256.Size]byte, len(p.Services))
	byName := map[string][]*blueprints.ResolvedService{}
	whole := sha256.New()
	whole.Write([]byte("platform-wide\x00"))
	whole.Write(platform[:])
	for _, s := range p.Services {
		enc.buf = enc.buf[:0]
		if err := enc.value(reflect.ValueOf(s).Elem()); err != nil {
			return nil, all, fmt.Errorf("service %s: %w", s.Name, err)
		}
		h := sha256.Sum256(enc.buf)
		own[s] = h
		whole.Write(h[:])
		byName[s.Name] = append(byName[s.Name], s)
	}
	all = [sha256.Size]byte(whole.Sum(nil))
	// Who names whom, both ways, by name alone: a name.namespace reference is matched by name, which
	// takes in more services than the reference means, never fewer.
	related := make(map[*blueprints.ResolvedService][]*blueprints.ResolvedService, len(p.Services))
	for _, s := range p.Services {
		for _, ref := range refs(s) {
			name, _, _ := strings.Cut(ref, ".")
			for _, o := range byName[name] {
				related[s] = append(related[s], o)
				related[o] = append(related[o], s)
			}
		}
	}
	out := make(map[*blueprints.ResolvedService][sha256.Size]byte, len(p.Services))
	for _, s := range p.Services {
		var ns [][sha256.Size]byte
		for _, o := range related[s] {
			ns = append(ns, own[o])
		}
		slices.SortFunc(ns, func(a, b [sha256.Size]byte) int { return slices.Compare(a[:], b[:]) })
		ns = slices.Compact(ns)
		h := sha256.New()
		h.Write(platform[:])
		self := own[s]
		h.Write(self[:])
		for _, n := range ns {
			h.Write(n[:])
		}
		out[s] = [sha256.Size]byte(h.Sum(nil))
	}
	return out, all, nil
}

// refs are the calls and callers entries of a service, in its base and every environment.
func refs(s *blueprints.ResolvedService) []string {
	out := slices.Concat(s.Base.Calls, s.Base.Callers)
	for _, e := range s.Environments {
		out = append(out, e.Spec.Calls...)
		out = append(out, e.Spec.Callers...)
	}
	return out
}

// errUnhashable is a value the encoder cannot encode faithfully: the run renders everything.
var errUnhashable = errors.New("not a plain value")

// encoder writes a value's every field, exported or not, in an unambiguous form (lengths before
// contents, a flag before what may be nil, map entries sorted by key): equal encodings mean equal
// values, whatever the fields' JSON tags say.
type encoder struct {
	buf   []byte
	depth int
}

func (e *encoder) u64(n uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, n) }

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) value(v reflect.Value) error {
	if e.depth++; e.depth > 64 {
		return fmt.Errorf("%w: nested too deep (a cycle?)", errUnhashable)
	}
	defer func() { e.depth-- }()
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			e.u64(1)
		} else {
			e.u64(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.u64(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.u64(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.u64(math.Float64bits(v.Float()))
	case reflect.String:
		e.str(v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			e.u64(math.MaxUint64)
			return nil
		}
		e.u64(uint64(v.Len()))
		for i := range v.Len() {
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() {
			e.u64(math.MaxUint64)
			return nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%w: a map keyed by %s", errUnhashable, v.Type().Key())
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		e.u64(uint64(len(keys)))
		for _, k := range keys {
			e.str(k.String())
			if err := e.value(v.MapIndex(k)); err != nil {
				return err
			}
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.u64(math.MaxUint64)
			return nil
		}
		e.u64(0)
		if v.Kind() == reflect.Interface {
			e.str(v.Elem().Type().String())
		}
		return e.value(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if err := e.value(v.Field(i)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%w: a %s", errUnhashable, v.Kind())
	}
	return nil
}
