package index

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"pgregory.net/rapid"
)

// numberGen draws numbers near the places where prefix-coded ranges break:
// powers of two, their neighbours, zero, the float extremes.
func numberGen() *rapid.Generator[float64] {
	return rapid.Custom(func(t *rapid.T) float64 {
		switch rapid.IntRange(0, 4).Draw(t, "kind") {
		case 0:
			return rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1 << 53, -math.MaxFloat64, math.MaxFloat64, math.SmallestNonzeroFloat64}).Draw(t, "special")
		case 1:
			x := math.Ldexp(1, rapid.IntRange(-60, 60).Draw(t, "exp"))
			if rapid.Bool().Draw(t, "neg") {
				x = -x
			}
			for range rapid.IntRange(0, 2).Draw(t, "ulps") {
				x = math.Nextafter(x, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dir")))
			}
			return x
		case 2:
			return float64(rapid.Int64Range(-1000, 1000).Draw(t, "int"))
		}
		return rapid.Float64().Draw(t, "any")
	})
}

// TestNumRange checks the range query against plain comparison, including
// narrow ranges across powers of two, where bleve's own range query would
// enumerate billions of byte strings.
func TestNumRange(t *testing.T) {
	im := newIndexMapping(map[string]*mapping.FieldMapping{"x": numericField()})
	rapid.Check(t, func(t *rapid.T) {
		idx, err := bleve.NewMemOnly(im)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		vals := rapid.SliceOfN(numberGen(), 1, 20).Draw(t, "values")
		for i, v := range vals {
			if math.IsNaN(v) {
				continue
			}
			if err := idx.Index(strconv.Itoa(i), map[string]any{"x": v}); err != nil {
				t.Fatal(err)
			}
		}
		lo, hi := numberGen().Draw(t, "lo"), numberGen().Draw(t, "hi")
		if rapid.Bool().Draw(t, "near") { // a narrow range around a drawn value
			lo = vals[0]
			hi = lo
			for range rapid.IntRange(0, 3).Draw(t, "width") {
				lo, hi = math.Nextafter(lo, math.Inf(-1)), math.Nextafter(hi, math.Inf(1))
			}
		}
		if n := len(numericTerms(lo, hi)); n > 2*16*16 {
			t.Fatalf("numericTerms(%g, %g) has %d terms", lo, hi, n)
		}
		got, err := collectIDs(context.Background(), idx, floatRange("x", lo, hi))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, v := range vals {
			if v >= lo && v <= hi && !math.IsNaN(v) {
				want = append(want, strconv.Itoa(i))
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("range [%g, %g] = %v, want %v (values %v)", lo, hi, got, want, vals)
		}
	})
}
