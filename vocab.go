package huiqi

import (
	"bufio"
	"embed"
	"fmt"
	"sort"
	"strings"
)

// refdata holds the reference vocabularies: Quanzhou's region codes,
// GB/T 4754-2017 industry codes and the catalogue's tag list. They are
// embedded so that a binary needs no files beside it.
//
//go:embed refdata/*.tsv
var refdata embed.FS

// Region is a Quanzhou region: a GB/T 2260 code or a functional zone's code.
type Region struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Industry is a GB/T 4754-2017 category: section letter plus 0 to 4 digits.
type Industry struct {
	Code  string `json:"code"`
	Level int    `json:"level"`
	Name  string `json:"name"`
}

// Tag is a qualification or fact an enterprise profile may carry.
type Tag struct {
	Tag     string `json:"tag"`
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
}

var (
	regions    []Region
	regionByID map[string]Region
	industries map[string]Industry
	tags       []Tag
	tagByID    map[string]Tag
)

func init() {
	regionByID = map[string]Region{}
	for _, f := range readTSV("refdata/regions-quanzhou.tsv") {
		r := Region{Code: f[0], Name: f[1], Kind: f[2]}
		regions = append(regions, r)
		regionByID[r.Code] = r
	}
	industries = map[string]Industry{}
	for _, f := range readTSV("refdata/gbt4754-2017.tsv") {
		var level int
		fmt.Sscan(f[1], &level)
		industries[f[0]] = Industry{Code: f[0], Level: level, Name: f[2]}
	}
	tagByID = map[string]Tag{}
	for _, f := range readTSV("refdata/tags.tsv") {
		t := Tag{Tag: f[0], Name: f[1], Meaning: f[2]}
		tags = append(tags, t)
		tagByID[t.Tag] = t
	}
}

// readTSV returns the rows of an embedded TSV file without its comment lines
// and header row.
func readTSV(name string) [][]string {
	f, err := refdata.Open(name)
	if err != nil {
		panic(err) // embedded at build time: cannot be missing
	}
	defer f.Close()
	var rows [][]string
	s := bufio.NewScanner(f)
	header := true
	for s.Scan() {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// Regions returns Quanzhou's regions in code order.
func Regions() []Region { return regions }

// LookupRegion returns the region with the given code.
func LookupRegion(code string) (Region, bool) {
	r, ok := regionByID[code]
	return r, ok
}

// ValidRegionScope reports whether scope is a usable region prefix for a
// policy: empty (no restriction), "35" (the province), "3505" (the city) or
// one of Quanzhou's region codes.
func ValidRegionScope(scope string) bool {
	switch scope {
	case "", "35", "3505":
		return true
	}
	_, ok := regionByID[scope]
	return ok
}

// LookupIndustry returns the GB/T 4754-2017 category with the given code.
func LookupIndustry(code string) (Industry, bool) {
	i, ok := industries[code]
	return i, ok
}

// Tags returns the tag vocabulary in catalogue order.
func Tags() []Tag { return tags }

// LookupTag returns the tag with the given name.
func LookupTag(tag string) (Tag, bool) {
	t, ok := tagByID[tag]
	return t, ok
}

// SortedTags returns a sorted copy of ts without duplicates.
func SortedTags(ts []string) []string {
	out := append([]string(nil), ts...)
	sort.Strings(out)
	n := 0
	for i, t := range out {
		if i == 0 || t != out[n-1] {
			out[n] = t
			n++
		}
	}
	return out[:n]
}
