package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
)

// The engine tests run on a fixed clock.
var (
	engNow   = time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)
	engToday = huiqi.DateOf(engNow)
	engCtx   = engine.System(context.Background())
)

// engCmp compares domain values: dates by value.
var engCmp = cmp.Comparer(func(a, b huiqi.Date) bool { return a == b })

// engOpen opens the database file at path (created when missing) and an
// engine loaded from it, closed at the end of the test.
func engOpen(tb testing.TB, path string) *engine.Engine {
	tb.Helper()
	db := sqlite.NewDB(path)
	db.Now = func() time.Time { return engNow }
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open(%q) = %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	e := engine.New(db)
	e.Now = func() time.Time { return engNow }
	if err := e.Load(context.Background()); err != nil {
		tb.Fatalf("Load() = %v", err)
	}
	return e
}

// engCode returns the i-th valid credit code of a series.
func engCode(i int) string {
	first := fmt.Sprintf("91350500%09d", i)
	c, err := huiqi.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// engProfile returns a valid profile of a high-tech shoe maker in 晋江.
func engProfile(code string) *huiqi.Enterprise {
	employees := int64(120)
	revenue, rd := 30_000_000*huiqi.Yuan, 1_200_000*huiqi.Yuan
	return &huiqi.Enterprise{
		CreditCode: code, Name: "测试企业" + code[14:], Region: "350582", Industry: "C1952",
		FoundedOn: huiqi.NewDate(2015, 1, 1), Employees: &employees, Revenue: &revenue, RDExpense: &rd,
		Tags: []string{"hightech"},
	}
}

func TestEngine_LoadDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huiqi.db")
	e := engOpen(t, path)
	catalogue, err := policies.Catalogue(engToday)
	if err != nil {
		t.Fatalf("Catalogue() = %v", err)
	}
	if len(catalogue) == 0 {
		t.Fatal("Catalogue() is empty")
	}
	enterprises := demo.Enterprises(300, 1, engToday)

	loaded, err := e.LoadDemo(context.Background(), catalogue, enterprises)
	if err != nil || !loaded {
		t.Fatalf("LoadDemo() = %v, %v; want true, nil", loaded, err)
	}

	t.Run("EveryPolicyPublished", func(t *testing.T) {
		fresh, err := policies.Catalogue(engToday)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range fresh {
			if fs := matcher.RunTests(p); len(fs) != 0 {
				t.Errorf("policy %s: test failures %+v", p.ID, fs)
			}
			stored, err := e.DB.FindPolicy(context.Background(), p.ID, 0)
			if err != nil {
				t.Errorf("FindPolicy(%s) = %v", p.ID, err)
				continue
			}
			if stored.Status != policies.StatusPublished || stored.Version != 1 {
				t.Errorf("policy %s: %s version %d, want published version 1", p.ID, stored.Status, stored.Version)
			}
		}
		if got := len(e.Matcher.Policies()); got != len(fresh) {
			t.Errorf("matcher holds %d policies, want %d", got, len(fresh))
		}
		if n, err := e.DB.EnterpriseCount(context.Background()); err != nil || n != 300 {
			t.Errorf("EnterpriseCount() = %d, %v; want 300", n, err)
		}
		if n := e.Matcher.ProfileCount(); n != 300 {
			t.Errorf("matcher holds %d profiles, want 300", n)
		}
	})

	t.Run("Once", func(t *testing.T) {
		again, err := policies.Catalogue(engToday)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := e.LoadDemo(context.Background(), again, demo.Enterprises(10, 2, engToday))
		if err != nil || loaded {
			t.Errorf("second LoadDemo() = %v, %v; want false, nil", loaded, err)
		}
		if n, _ := e.DB.EnterpriseCount(context.Background()); n != 300 {
			t.Errorf("EnterpriseCount() = %d after a second LoadDemo, want 300", n)
		}
		_, total, _, err := e.DB.ListPolicies(context.Background(), huiqi.PolicyFilter{})
		if err != nil || total != len(again) {
			t.Errorf("policies after a second LoadDemo: %d, %v; want %d", total, err, len(again))
		}
	})

	// Every answer is the same from a new engine over the reopened file.
	before := map[string]matcher.Result{}
	eligible := 0
	for _, en := range enterprises {
		r, err := e.MatchEnterprise(engCtx, en.CreditCode, engToday, true)
		if err != nil {
			t.Fatalf("MatchEnterprise(%s) = %v", en.CreditCode, err)
		}
		before[en.CreditCode] = r
		eligible += len(r.Eligible)
	}
	if eligible < 100 {
		t.Errorf("the demo enterprises have %d eligible pairs in all, want a realistic catalogue's hundreds", eligible)
	}
	verdicts, err := e.DB.(*sqlite.DB).EnterpriseVerdicts(context.Background(), enterprises[0].CreditCode)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.DB.(*sqlite.DB).Close(); err != nil {
		t.Fatal(err)
	}
	e2 := engOpen(t, path)
	for code, want := range before {
		got, err := e2.MatchEnterprise(engCtx, code, engToday, true)
		if err != nil {
			t.Fatalf("after reload: MatchEnterprise(%s) = %v", code, err)
		}
		if diff := cmp.Diff(want, got, engCmp); diff != "" {
			t.Errorf("after reload: MatchEnterprise(%s) (-before +after):\n%s", code, diff)
		}
	}
	verdicts2, err := e2.DB.(*sqlite.DB).EnterpriseVerdicts(context.Background(), enterprises[0].CreditCode)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(verdicts, verdicts2, engCmp); diff != "" {
		t.Errorf("after reload: decision record (-before +after):\n%s", diff)
	}
	loaded, err = e2.LoadDemo(context.Background(), catalogue, enterprises)
	if err != nil || loaded {
		t.Errorf("LoadDemo() after reload = %v, %v; want false, nil", loaded, err)
	}
}

// A database that holds profiles already is not given the demo.
func TestEngine_LoadDemo_NotOverData(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	if err := e.CreateEnterprise(engCtx, engProfile(engCode(1))); err != nil {
		t.Fatal(err)
	}
	catalogue, err := policies.Catalogue(engToday)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := e.LoadDemo(context.Background(), catalogue, demo.Enterprises(5, 1, engToday))
	if err != nil || loaded {
		t.Errorf("LoadDemo() over data = %v, %v; want false, nil", loaded, err)
	}
	if n := len(e.Matcher.Policies()); n != 0 {
		t.Errorf("%d policies published, want 0", n)
	}
}

// engLine returns a profile as an NDJSON line, with the given changes.
func engLine(tb testing.TB, code string, mod func(m map[string]any)) string {
	tb.Helper()
	b, err := json.Marshal(engProfile(code))
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if mod != nil {
		mod(m)
	}
	b, err = json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// engReportOpts ignore messages, which are for people.
var engReportOpts = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())

func TestEngine_ImportNDJSON(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	a, b, c := engCode(1), engCode(2), engCode(3)
	legacy := engCode(4)[:17] + "0"
	if legacy == engCode(4) {
		legacy = engCode(4)[:17] + "1"
	}
	lines := []string{
		engLine(t, a, func(m map[string]any) { m["name"] = "第一版" }), // 1
		`{"credit_code": "` + c + `", `,                             // 2: malformed
		"   ",                                                       // 3: blank
		engLine(t, b, nil),                                          // 4
		engLine(t, c, func(m map[string]any) { m["region"] = "350527" }),                // 5
		engLine(t, a, func(m map[string]any) { m["name"] = "第二版" }),                     // 6: same code, later wins
		engLine(t, legacy, func(m map[string]any) { m["legacy_code"] = true }),          // 7
		engLine(t, c, func(m map[string]any) { m["tags"] = []string{"hightech", "x"} }), // 8
		engLine(t, c, func(m map[string]any) { m["scale"] = "huge" }),                   // 9
	}
	var progress []engine.BulkReport
	got, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(strings.Join(lines, "\n"))),
		func(r engine.BulkReport) { progress = append(progress, r) })
	if err != nil {
		t.Fatalf("ImportEnterprises() = %v", err)
	}
	want := engine.BulkReport{Accepted: 4, Rejected: 4, Errors: []engine.BulkError{
		{Line: 2, Code: huiqi.EInvalid},
		{Line: 5, Code: huiqi.EInvalid, Field: "region"},
		{Line: 8, Code: huiqi.EInvalid, Field: "tags[1]"},
		{Line: 9, Code: huiqi.EInvalid, Field: "scale"},
	}}
	if diff := cmp.Diff(want, got, engReportOpts); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if len(progress) != 1 || progress[0].Accepted != 4 {
		t.Errorf("progress = %+v, want one call after the only batch with 4 accepted", progress)
	}
	en, err := e.DB.FindEnterprise(context.Background(), a)
	if err != nil || en.Name != "第二版" || en.Version != 1 {
		t.Errorf("FindEnterprise(%s) = %+v, %v; want the later line 第二版 as version 1", a, en, err)
	}
	if en, err := e.DB.FindEnterprise(context.Background(), legacy); err != nil || !en.LegacyCode {
		t.Errorf("FindEnterprise(legacy) = %+v, %v; want a flagged legacy profile", en, err)
	}
	if _, err := e.DB.FindEnterprise(context.Background(), c); huiqi.ErrorCode(err) != huiqi.ENotFound {
		t.Errorf("FindEnterprise(%s) = %v, want not found: every line of it was bad", c, err)
	}
	if n := e.Matcher.ProfileCount(); n != 3 {
		t.Errorf("matcher holds %d profiles, want 3", n)
	}

	t.Run("Roles", func(t *testing.T) {
		src := engine.NewNDJSONSource(strings.NewReader(engLine(t, engCode(9), nil)))
		if _, err := e.ImportEnterprises(context.Background(), src, nil); huiqi.ErrorCode(err) != huiqi.EUnauthorized {
			t.Errorf("anonymous import = %v, want %s", err, huiqi.EUnauthorized)
		}
		auditor := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleAuditor})
		if _, err := e.ImportEnterprises(auditor, src, nil); huiqi.ErrorCode(err) != huiqi.EForbidden {
			t.Errorf("auditor import = %v, want %s", err, huiqi.EForbidden)
		}
		if _, err := e.DB.FindEnterprise(context.Background(), engCode(9)); huiqi.ErrorCode(err) != huiqi.ENotFound {
			t.Errorf("a refused import stored a profile: %v", err)
		}
	})

	// A code that comes again in a later batch is a new version; counts stay
	// per line across batches.
	t.Run("AcrossBatches", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString(engLine(t, b, func(m map[string]any) { m["name"] = "批次一" }) + "\n")
		for i := range engine.ImportBatchSize - 1 {
			sb.WriteString(engLine(t, engCode(1000+i), nil) + "\n")
		}
		sb.WriteString(engLine(t, b, func(m map[string]any) { m["name"] = "批次二" }) + "\n")
		var progress []int
		got, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(sb.String())),
			func(r engine.BulkReport) { progress = append(progress, r.Accepted) })
		if err != nil {
			t.Fatal(err)
		}
		if got.Accepted != engine.ImportBatchSize+1 || got.Rejected != 0 {
			t.Errorf("report = %+v, want %d accepted", got, engine.ImportBatchSize+1)
		}
		if diff := cmp.Diff([]int{engine.ImportBatchSize, engine.ImportBatchSize + 1}, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
		en, err := e.DB.FindEnterprise(context.Background(), b)
		if err != nil || en.Name != "批次二" || en.Version != 3 {
			t.Errorf("FindEnterprise(%s) = %+v, %v; want 批次二 at version 3", b, en, err)
		}
	})
}

func TestEngine_ImportCSV(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	a, b, c := engCode(1), engCode(2), engCode(3)
	csv := "\ufeffcredit_code, name ,region,industry,founded_on,employees,revenue,tags,dishonest\r\n" + // 1
		a + ",\"泉州,示例鞋业\",350582,C1952,2015-01-01,120,30000000,hightech;specialized ;,false\r\n" + // 2
		b + ",晋江服饰,350582,C1811,2018-05-20,,,,\r\n" + // 3: empty cells are absent
		c + ",坏数字,350582,C1811,2018-05-20,ten,,,\r\n" + // 4
		c + ",坏布尔,350582,C1811,2018-05-20,5,,,maybe\r\n" + // 5
		c + ",少一列,350582,C1811,2018-05-20,5,,\r\n" + // 6
		c + ",坏标签,350582,C1811,2018-05-20,5,,hightech;unicorn,\r\n" + // 7
		a + ",泉州示例鞋业第二版,350582,C1952,2015-01-01,130,30000000,hightech,\r\n" // 8: later wins
	src, err := exchange.NewCSVSource(strings.NewReader(csv))
	if err != nil {
		t.Fatalf("NewCSVSource() = %v", err)
	}
	got, err := e.ImportEnterprises(engCtx, src, nil)
	if err != nil {
		t.Fatalf("ImportEnterprises() = %v", err)
	}
	want := engine.BulkReport{Accepted: 3, Rejected: 4, Errors: []engine.BulkError{
		{Line: 4, Code: huiqi.EInvalid, Field: "employees"},
		{Line: 5, Code: huiqi.EInvalid, Field: "dishonest"},
		{Line: 6, Code: huiqi.EInvalid},
		{Line: 7, Code: huiqi.EInvalid, Field: "tags[1]"},
	}}
	if diff := cmp.Diff(want, got, engReportOpts); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}

	ea, err := e.DB.FindEnterprise(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if ea.Name != "泉州示例鞋业第二版" || *ea.Employees != 130 || ea.Version != 1 {
		t.Errorf("profile %s = %s, %d staff, version %d; want the later line: 泉州示例鞋业第二版, 130, version 1", a, ea.Name, *ea.Employees, ea.Version)
	}
	eb, err := e.DB.FindEnterprise(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	wantB := &huiqi.Enterprise{CreditCode: b, Name: "晋江服饰", Region: "350582", Industry: "C1811",
		FoundedOn: huiqi.NewDate(2018, 5, 20), Tags: []string{}, Version: 1, UpdatedAt: eb.UpdatedAt}
	if diff := cmp.Diff(wantB, eb, engCmp); diff != "" {
		t.Errorf("profile with empty cells (-want +got):\n%s", diff)
	}
	if _, err := e.DB.FindEnterprise(context.Background(), c); huiqi.ErrorCode(err) != huiqi.ENotFound {
		t.Errorf("FindEnterprise(%s) = %v, want not found", c, err)
	}

	t.Run("Tags", func(t *testing.T) {
		csv := "credit_code,name,region,industry,founded_on,tags\n" + c + ",标签,350582,C1952,2015-01-01,specialized; hightech;;hightech\n"
		src, err := exchange.NewCSVSource(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if r, err := e.ImportEnterprises(engCtx, src, nil); err != nil || r.Accepted != 1 {
			t.Fatalf("ImportEnterprises() = %+v, %v", r, err)
		}
		ec, err := e.DB.FindEnterprise(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"hightech", "specialized"}, ec.Tags); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
	})

	t.Run("History", func(t *testing.T) {
		csv := "credit_code,name,region,industry,founded_on,revenue_2024,revenue_2025,output_value_2025,qualifications,incidents\n" +
			c + ",历年,350582,C1952,2015-01-01,200,300.5,400,hightech:2025-12-10:2028-12-09; green_factory:2024-05-01,safety:major:2025-06-01\n" + // 2
			c + ",坏年份值,350582,C1952,2015-01-01,abc,,,,\n" + // 3
			c + ",坏资质,350582,C1952,2015-01-01,,,,hightech:2025-12-10;hightech,\n" + // 4
			c + ",坏日期,350582,C1952,2015-01-01,,,,hightech:2025-02-30,\n" + // 5
			c + ",坏事故,350582,C1952,2015-01-01,,,,,safety:big:2025-06-01\n" // 6
		src, err := exchange.NewCSVSource(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.ImportEnterprises(engCtx, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := engine.BulkReport{Accepted: 1, Rejected: 4, Errors: []engine.BulkError{
			{Line: 3, Code: huiqi.EInvalid, Field: "fiscal_years.2024.revenue"},
			{Line: 4, Code: huiqi.EInvalid, Field: "qualifications[1]"},
			{Line: 5, Code: huiqi.EInvalid, Field: "qualifications[0].granted_on"},
			{Line: 6, Code: huiqi.EInvalid, Field: "incidents[0].level"},
		}}
		if diff := cmp.Diff(want, got, engReportOpts); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		ec, err := e.DB.FindEnterprise(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if ec.Revenue == nil || *ec.Revenue != 30050 {
			t.Errorf("revenue = %v, want 300.50 from 2025", ec.Revenue)
		}
		if v, ok := ec.YearFigure("output_value", 2025); !ok || v != 40000 {
			t.Errorf("output_value 2025 = %d, %v", v, ok)
		}
		if v, ok := ec.YearFigure("revenue", 2024); !ok || v != 20000 {
			t.Errorf("revenue 2024 = %d, %v", v, ok)
		}
		if len(ec.Qualifications) != 2 || ec.Qualifications[0].ExpiresOn != huiqi.NewDate(2028, 12, 9) || len(ec.Incidents) != 1 {
			t.Errorf("qualifications %+v, incidents %+v", ec.Qualifications, ec.Incidents)
		}
	})

	t.Run("UnknownColumn", func(t *testing.T) {
		_, err := exchange.NewCSVSource(strings.NewReader("credit_code,name,staff\n"))
		if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "staff" {
			t.Errorf("NewCSVSource(unknown column) = %v, want %s naming staff", err, huiqi.EInvalid)
		}
		for _, col := range []string{"revenue_24", "profit_2024", "revenue_20x4", "revenue2024"} {
			if _, err := exchange.NewCSVSource(strings.NewReader("credit_code," + col + "\n")); huiqi.ErrorField(err) != col {
				t.Errorf("NewCSVSource(column %s) = %v, want %s naming it", col, err, huiqi.EInvalid)
			}
		}
		if _, err := exchange.NewCSVSource(strings.NewReader("")); huiqi.ErrorCode(err) != huiqi.EInvalid {
			t.Errorf("NewCSVSource(empty) = %v, want %s", err, huiqi.EInvalid)
		}
	})
}

// engPolicy parses and stores a policy document, published when asked.
func engPolicy(tb testing.TB, e *engine.Engine, doc string, publish bool) {
	tb.Helper()
	p, err := e.CreatePolicy(engCtx, []byte(doc))
	if err != nil {
		tb.Fatalf("CreatePolicy() = %v", err)
	}
	if publish {
		if _, err := e.PublishPolicy(engCtx, p.ID); err != nil {
			tb.Fatalf("PublishPolicy(%s) = %v", p.ID, err)
		}
	}
}

func TestEngine_DecisionRecord(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	ctx := context.Background()
	code := engCode(1)
	verdicts := func(t *testing.T) []huiqi.Verdict {
		t.Helper()
		vs, err := e.DB.(*sqlite.DB).EnterpriseVerdicts(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	fen := func(yuan int64) *huiqi.Money { m := huiqi.Money(yuan) * huiqi.Yuan; return &m }
	verdict := func(policy string, policyVersion, profileVersion int, amount *huiqi.Money) huiqi.Verdict {
		return huiqi.Verdict{PolicyID: policy, CreditCode: code, PolicyVersion: policyVersion, ProfileVersion: profileVersion, Amount: amount, AsOf: engToday}
	}
	wantVerdicts := func(t *testing.T, step string, want ...huiqi.Verdict) {
		t.Helper()
		if diff := cmp.Diff(want, verdicts(t), engCmp); diff != "" {
			t.Errorf("%s: decision record (-want +got):\n%s", step, diff)
		}
	}
	const hightechDoc = `id: dr-hightech
title: 高新技术企业奖励
department: 泉州市科学技术局
eligibility:
  all:
    - {field: tags, op: has, value: hightech}
    - {field: employees, op: gte, value: 10}
benefit: {kind: award, amount: {fixed: 100000}}
`
	const rdDoc = `{"id": "dr-rd", "title": "研发费用补助", "department": "泉州市工业和信息化局",
		"eligibility": {"all": [{"field": "rd_expense", "op": "gte", "value": 1000000}]},
		"benefit": {"kind": "subsidy", "amount": {"rate": "0.05", "of": "rd_expense"}}}`

	engPolicy(t, e, hightechDoc, true)
	en := engProfile(code)
	if err := e.CreateEnterprise(engCtx, en); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "created", verdict("dr-hightech", 1, 1, fen(100000)))

	en = engProfile(code)
	en.Tags = nil
	if err := e.UpdateEnterprise(engCtx, code, en); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "tag removed")

	if err := e.UpdateEnterprise(engCtx, code, engProfile(code)); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "tag back", verdict("dr-hightech", 1, 3, fen(100000)))

	engPolicy(t, e, rdDoc, false)
	wantVerdicts(t, "draft created", verdict("dr-hightech", 1, 3, fen(100000)))
	if _, err := e.PublishPolicy(engCtx, "dr-rd"); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "published", verdict("dr-hightech", 1, 3, fen(100000)), verdict("dr-rd", 1, 3, fen(60000)))

	if _, err := e.UpdatePolicy(engCtx, "dr-hightech", []byte(strings.Replace(hightechDoc, "100000", "150000", 1))); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "policy changed", verdict("dr-hightech", 2, 3, fen(150000)), verdict("dr-rd", 1, 3, fen(60000)))

	if _, err := e.WithdrawPolicy(engCtx, "dr-rd"); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "withdrawn", verdict("dr-hightech", 2, 3, fen(150000)))
	if n, err := e.DB.PolicyVerdictCount(ctx, "dr-rd"); err != nil || n != 0 {
		t.Errorf("PolicyVerdictCount(dr-rd) after withdraw = %d, %v; want 0", n, err)
	}

	line := engLine(t, code, func(m map[string]any) { m["employees"] = 5 })
	if _, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(line)), nil); err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "imported below the staff floor")

	// An unchanged profile keeps its version and its record.
	line = engLine(t, code, nil)
	for range 2 {
		if _, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(line)), nil); err != nil {
			t.Fatal(err)
		}
	}
	wantVerdicts(t, "imported twice", verdict("dr-hightech", 2, 5, fen(150000)))
}

// The roles the engine enforces, whatever the way in.
func TestEngine_Roles(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	x, y := engCode(1), engCode(2)
	for _, c := range []string{x, y} {
		if err := e.CreateEnterprise(engCtx, engProfile(c)); err != nil {
			t.Fatal(err)
		}
	}
	as := func(t *huiqi.Token) context.Context { return huiqi.NewContextWithToken(context.Background(), t) }
	entX := as(&huiqi.Token{Role: huiqi.RoleEnterprise, CreditCode: x})
	auditor := as(&huiqi.Token{Role: huiqi.RoleAuditor})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"anonymous reads a profile", func() error { _, err := e.FindEnterprise(context.Background(), x); return err }(), huiqi.EUnauthorized},
		{"enterprise reads its own profile", func() error { _, err := e.FindEnterprise(entX, x); return err }(), ""},
		{"enterprise reads another's profile", func() error { _, err := e.FindEnterprise(entX, y); return err }(), huiqi.EForbidden},
		{"enterprise matches another's", func() error { _, err := e.MatchEnterprise(entX, y, engToday, false); return err }(), huiqi.EForbidden},
		{"auditor changes a profile", e.UpdateEnterprise(auditor, x, engProfile(x)), huiqi.EForbidden},
		{"enterprise changes its own profile", e.UpdateEnterprise(entX, x, engProfile(x)), huiqi.EForbidden},
		{"auditor issues a token", func() error {
			_, err := e.CreateToken(auditor, &huiqi.Token{Role: huiqi.RoleAdmin})
			return err
		}(), huiqi.EForbidden},
		{"anyone uses the calculator", func() error {
			_, err := e.MatchProfile(context.Background(), engProfile(engCode(3)), engToday, true)
			return err
		}(), ""},
	}
	for _, tt := range tests {
		if got := huiqi.ErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, tt.err, tt.want)
		}
	}
}

// TestEngine_PreviewPolicy checks the one preview path: a stored policy,
// a stored policy replaced by a document of the same id, and a document
// alone, each with its own refusals.
func TestEngine_PreviewPolicy(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	if err := e.CreateEnterprise(engCtx, engProfile(engCode(1))); err != nil {
		t.Fatal(err)
	}
	const doc = `id: pv-hightech
title: 高新技术企业奖励
department: 泉州市科学技术局
eligibility: {field: tags, op: has, value: hightech}
benefit: {kind: award, amount: {fixed: 100000}}
`
	engPolicy(t, e, doc, false)
	official := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: "泉州市科学技术局"})
	other := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: "泉州市商务局"})
	auditor := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleAuditor})
	for _, tt := range []struct {
		name      string
		ctx       context.Context
		id, doc   string
		wantCode  string
		wantField string
		wantTotal int
	}{
		{"stored", official, "pv-hightech", "", "", "", 1},
		{"stored, empty object", official, "pv-hightech", "{}", "", "", 1},
		{"stored, replaced", official, "pv-hightech", strings.Replace(doc, "{field: tags, op: has, value: hightech}", "{field: employees, op: gte, value: 1000}", 1), "", "", 0},
		{"stored, other id", official, "pv-hightech", strings.Replace(doc, "id: pv-hightech", "id: pv-x", 1), huiqi.EInvalid, "id", 0},
		{"stored, other department", other, "pv-hightech", "", huiqi.ENotFound, "", 0},
		{"document", official, "", doc, "", "", 1},
		{"document, empty", official, "", " \n", huiqi.EInvalid, "", 0},
		{"document, empty object", official, "", "{}", huiqi.EInvalid, "", 0},
		{"document, other department", other, "", doc, huiqi.EForbidden, "", 0},
		{"document, auditor", auditor, "", doc, huiqi.EForbidden, "", 0},
		{"document, anonymous", context.Background(), "", doc, huiqi.EUnauthorized, "", 0},
	} {
		pv, err := e.PreviewPolicy(tt.ctx, tt.id, []byte(tt.doc), engToday, "", engine.Page{})
		if code, field := huiqi.ErrorCode(err), huiqi.ErrorField(err); code != tt.wantCode || field != tt.wantField {
			t.Errorf("%s: PreviewPolicy() = %v (code %q, field %q), want code %q, field %q", tt.name, err, code, field, tt.wantCode, tt.wantField)
			continue
		}
		if err == nil && (pv.Total != tt.wantTotal || pv.PolicyID != "pv-hightech" || len(pv.Items) != tt.wantTotal) {
			t.Errorf("%s: PreviewPolicy() = total %d, policy %q, %d items; want total %d", tt.name, pv.Total, pv.PolicyID, len(pv.Items), tt.wantTotal)
		}
	}
}
