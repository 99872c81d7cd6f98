package huiqi_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Each outside dependency has one home package, which wraps it for the
// rest: a package that imports one of these, other than its home, spreads
// it. The benchmark's SQL baseline is the second home of SQLite: it stands
// for the way a vendor would match, apart from huiqi's store. Tests count
// too, with one exception: tests that tamper with the database file as an
// intruder would, which no store API allows, open it with database/sql and
// the SQLite driver.
func TestDependencyHomes(t *testing.T) {
	const bench = "github.com/huiqi/huiqi/cmd/huiqi-bench"
	homes := map[string][]string{
		"database/sql":                                   {"github.com/huiqi/huiqi/sqlite", bench},
		"github.com/mattn/go-sqlite3":                    {"github.com/huiqi/huiqi/sqlite", bench},
		"github.com/jackc/pgx/v5":                        {"github.com/huiqi/huiqi/postgres"},
		"github.com/jackc/pgx/v5/pgconn":                 {"github.com/huiqi/huiqi/postgres"},
		"github.com/jackc/pgx/v5/pgxpool":                {"github.com/huiqi/huiqi/postgres"},
		"github.com/gin-gonic/gin":                       {"github.com/huiqi/huiqi/httpapi"},
		"github.com/blevesearch/bleve/v2":                {"github.com/huiqi/huiqi/index"},
		"github.com/prometheus/client_golang/prometheus": {"github.com/huiqi/huiqi/metrics"},
		"github.com/expr-lang/expr":                      {bench},
		"github.com/expr-lang/expr/vm":                   {bench},
	}
	tamperers := []string{"github.com/huiqi/huiqi/engine", "github.com/huiqi/huiqi/httpapi", "github.com/huiqi/huiqi/cmd/huiqi"}
	intruders := map[string][]string{"database/sql": tamperers, "github.com/mattn/go-sqlite3": tamperers}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-f", `{{.ImportPath}} {{join .Imports " "}} | {{join .TestImports " "}} {{join .XTestImports " "}}`, "github.com/huiqi/huiqi/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		code, tests, _ := strings.Cut(line, " | ")
		fields := strings.Fields(code)
		pkg := fields[0]
		for _, imp := range fields[1:] {
			if home, ok := homes[imp]; ok && !slices.Contains(home, pkg) {
				t.Errorf("%s imports %s, whose home is %s", pkg, imp, strings.Join(home, " and "))
			}
		}
		for _, imp := range strings.Fields(tests) {
			if home, ok := homes[imp]; ok && !slices.Contains(home, pkg) && !slices.Contains(intruders[imp], pkg) {
				t.Errorf("the tests of %s import %s, whose home is %s", pkg, imp, strings.Join(home, " and "))
			}
		}
	}
	// The rule language and the evaluator stand on the standard library and
	// the domain alone: no storage, HTTP or index code beneath them.
	out, err = exec.Command(gobin, "list", "-deps", "github.com/huiqi/huiqi/policies", "github.com/huiqi/huiqi/matcher").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"gin-gonic", "blevesearch", "go-sqlite3", "database/sql", "jackc/pgx"} {
			if strings.Contains(dep, banned) {
				t.Errorf("policies or matcher depends on %s", dep)
			}
		}
	}
	// The server binary carries no benchmark code: no expression engine.
	out, err = exec.Command(gobin, "list", "-deps", "github.com/huiqi/huiqi/cmd/huiqi").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/expr-lang/") || dep == bench {
			t.Errorf("cmd/huiqi depends on %s, which only the benchmark needs", dep)
		}
	}
}
