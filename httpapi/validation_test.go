package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
)

// wrongCheckChar returns code with a check character that does not verify.
func wrongCheckChar(code string) string {
	last := byte('0')
	if code[17] == '0' {
		last = '1'
	}
	return code[:17] + string(last)
}

func TestValidation_Enterprise(t *testing.T) {
	s := mustAPIServer(t)
	existing := apiCode(1)
	s.mustCreateEnterprise(t, apiProfile(existing))

	tests := []struct {
		name  string
		raw   string // sent as is instead of the modified profile
		mod   func(p map[string]any)
		field string
	}{
		{name: "MalformedJSON", raw: `{"credit_code": "914403001922038216", "name": `, field: ""},
		{name: "TrailingGarbage", raw: `{"name": "x"} {}`, field: ""},
		{name: "NotAnObject", raw: `[1, 2]`, field: ""},
		{name: "EmployeesAsString", mod: func(p map[string]any) { p["employees"] = "10" }, field: "employees"},
		{name: "EmployeesFraction", mod: func(p map[string]any) { p["employees"] = 10.5 }, field: "employees"},
		{name: "NameAsNumber", mod: func(p map[string]any) { p["name"] = 42 }, field: "name"},
		{name: "TagsAsString", mod: func(p map[string]any) { p["tags"] = "hightech" }, field: "tags"},
		{name: "DishonestAsString", mod: func(p map[string]any) { p["dishonest"] = "no" }, field: "dishonest"},
		{name: "UnknownField", mod: func(p map[string]any) { p["staff"] = 10 }, field: "staff"},
		{name: "UnknownTag", mod: func(p map[string]any) { p["tags"] = []string{"hightech", "unicorn"} }, field: "tags[1]"},
		{name: "CheckChar", mod: func(p map[string]any) { p["credit_code"] = wrongCheckChar(p["credit_code"].(string)) }, field: "credit_code"},
		{name: "Code17Chars", mod: func(p map[string]any) { p["credit_code"] = p["credit_code"].(string)[:17] }, field: "credit_code"},
		{name: "CodeBadChar", mod: func(p map[string]any) { p["credit_code"] = "91350582MA2XXXXXO1" }, field: "credit_code"},
		{name: "CodeMissing", mod: func(p map[string]any) { delete(p, "credit_code") }, field: "credit_code"},
		{name: "RegionUnknown", mod: func(p map[string]any) { p["region"] = "350599x" }, field: "region"},
		{name: "RegionOutsideQuanzhou", mod: func(p map[string]any) { p["region"] = "350203" }, field: "region"},
		{name: "Region350527", mod: func(p map[string]any) { p["region"] = "350527" }, field: "region"},
		{name: "RegionMissing", mod: func(p map[string]any) { delete(p, "region") }, field: "region"},
		{name: "IndustryC99", mod: func(p map[string]any) { p["industry"] = "C99" }, field: "industry"},
		{name: "IndustryLowerCase", mod: func(p map[string]any) { p["industry"] = "c1952" }, field: "industry"},
		{name: "IndustryFiveDigits", mod: func(p map[string]any) { p["industry"] = "C19520" }, field: "industry"},
		{name: "IndustrySectionOnly", mod: func(p map[string]any) { p["industry"] = "C" }, field: "industry"},
		{name: "IndustryMissing", mod: func(p map[string]any) { delete(p, "industry") }, field: "industry"},
		{name: "FoundedTomorrow", mod: func(p map[string]any) { p["founded_on"] = "2026-11-26" }, field: "founded_on"},
		{name: "FoundedBadFormat", mod: func(p map[string]any) { p["founded_on"] = "2015/01/01" }, field: "founded_on"},
		{name: "FoundedNoSuchDay", mod: func(p map[string]any) { p["founded_on"] = "2015-02-30" }, field: "founded_on"},
		{name: "FoundedMissing", mod: func(p map[string]any) { delete(p, "founded_on") }, field: "founded_on"},
		{name: "EmployeesNegative", mod: func(p map[string]any) { p["employees"] = -1 }, field: "employees"},
		{name: "RevenueNegative", mod: func(p map[string]any) { p["revenue"] = -0.01 }, field: "revenue"},
		{name: "TotalAssetsNegative", mod: func(p map[string]any) { p["total_assets"] = -5 }, field: "total_assets"},
		{name: "RDExpenseNegative", mod: func(p map[string]any) { p["rd_expense"] = -100 }, field: "rd_expense"},
		{name: "TaxPaidNegative", mod: func(p map[string]any) { p["tax_paid"] = -1 }, field: "tax_paid"},
		{name: "CapitalNegative", mod: func(p map[string]any) { p["registered_capital"] = -1 }, field: "registered_capital"},
		{name: "RevenueThreeDecimals", mod: func(p map[string]any) { p["revenue"] = 1000.005 }, field: "revenue"},
		{name: "RevenueAsString", mod: func(p map[string]any) { p["revenue"] = "1000" }, field: "revenue"},
		{name: "TaxCreditE", mod: func(p map[string]any) { p["tax_credit"] = "E" }, field: "tax_credit"},
		{name: "ScaleHuge", mod: func(p map[string]any) { p["scale"] = "huge" }, field: "scale"},
		{name: "LegacyCodeNotBulk", mod: func(p map[string]any) {
			p["legacy_code"] = true
			p["credit_code"] = wrongCheckChar(p["credit_code"].(string))
		}, field: "legacy_code"},
		{name: "NameEmpty", mod: func(p map[string]any) { p["name"] = "" }, field: "name"},
		{name: "NameBlank", mod: func(p map[string]any) { p["name"] = "  \t" }, field: "name"},
	}

	before := s.enterpriseTotal(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := apiCode(1000 + i)
			var body any = tt.raw
			if tt.raw == "" {
				p := apiProfile(code)
				tt.mod(p)
				body = p
			}
			r := s.do(t, "POST", "/v1/enterprises", s.Admin, body)
			wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
			s.mustDo(t, "GET", "/v1/enterprises/"+code, s.Admin, nil, http.StatusNotFound, nil)

			// The same change of a stored profile is refused too, and leaves
			// it at version 1.
			if tt.raw == "" && tt.name != "CodeMissing" {
				p := apiProfile(existing)
				tt.mod(p)
				r := s.do(t, "PUT", "/v1/enterprises/"+existing, s.Admin, p)
				if tt.name == "LegacyCodeNotBulk" {
					// PUT carries the flag of a legacy profile; the code
					// differs from the path's.
					if r.Status != http.StatusBadRequest {
						t.Errorf("PUT status %d, want 400; body %s", r.Status, r.Body)
					}
				} else {
					wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
				}
				var got struct {
					Version int `json:"version"`
				}
				s.mustDo(t, "GET", "/v1/enterprises/"+existing, s.Admin, nil, http.StatusOK, &got)
				if got.Version != 1 {
					t.Errorf("after a refused PUT the profile is at version %d, want 1", got.Version)
				}
			}
		})
	}
	if got := s.enterpriseTotal(t); got != before {
		t.Errorf("enterprise total = %d after refused requests, want %d", got, before)
	}
}

// policyAll returns the top-level all list of a policy document.
func policyAll(p map[string]any) []any {
	return p["eligibility"].(map[string]any)["all"].([]any)
}

// nestedAll returns a condition of n nested all nodes around one leaf: the
// leaf lies at depth n+1.
func nestedAll(n int) map[string]any {
	c := map[string]any{"field": "employees", "op": "gte", "value": 1}
	for range n {
		c = map[string]any{"all": []any{c}}
	}
	return c
}

func TestValidation_Policy(t *testing.T) {
	s := mustAPIServer(t)

	tests := []struct {
		name  string
		mod   func(p map[string]any)
		field string
	}{
		{"UnknownFieldAtDepth", func(p map[string]any) { policyAll(p)[1].(map[string]any)["foo"] = 1 }, "eligibility.all[1].foo"},
		{"UnknownTopLevelField", func(p map[string]any) { p["owner"] = "x" }, "owner"},
		{"UnknownFieldInBenefit", func(p map[string]any) { p["benefit"].(map[string]any)["currency"] = "CNY" }, "benefit.currency"},
		{"UnknownFieldName", func(p map[string]any) { policyAll(p)[2].(map[string]any)["field"] = "staff" }, "eligibility.all[2].field"},
		{"UnknownOperator", func(p map[string]any) { policyAll(p)[0].(map[string]any)["op"] = "atleast" }, "eligibility.all[0].op"},
		{"OpNotFittingTags", func(p map[string]any) {
			policyAll(p)[2] = map[string]any{"field": "tags", "op": "gt", "value": 1}
		}, "eligibility.all[2].op"},
		{"OpNotFittingMoney", func(p map[string]any) {
			policyAll(p)[0] = map[string]any{"field": "revenue", "op": "prefix", "value": "1"}
		}, "eligibility.all[0].op"},
		{"ValueWrongType", func(p map[string]any) { policyAll(p)[0].(map[string]any)["value"] = "ten" }, "eligibility.all[0].value"},
		{"ValueMissing", func(p map[string]any) { delete(policyAll(p)[0].(map[string]any), "value") }, "eligibility.all[0].value"},
		{"ValueUnknownTag", func(p map[string]any) { policyAll(p)[2].(map[string]any)["value"] = "unicorn" }, "eligibility.all[2].value"},
		{"ValueListItem", func(p map[string]any) {
			policyAll(p)[1] = map[string]any{"field": "scale", "op": "in", "value": []any{"small", "huge"}}
		}, "eligibility.all[1].value[1]"},
		{"BetweenOneValue", func(p map[string]any) {
			policyAll(p)[0] = map[string]any{"field": "employees", "op": "between", "value": []any{10}}
		}, "eligibility.all[0].value"},
		{"BetweenReversed", func(p map[string]any) {
			policyAll(p)[0] = map[string]any{"field": "employees", "op": "between", "value": []any{100, 10}}
		}, "eligibility.all[0].value"},
		{"EmptyAll", func(p map[string]any) { p["eligibility"] = map[string]any{"all": []any{}} }, "eligibility.all"},
		{"EmptyAnyNested", func(p map[string]any) { policyAll(p)[1] = map[string]any{"any": []any{}} }, "eligibility.all[1].any"},
		{"TwoKindsInOneNode", func(p map[string]any) {
			policyAll(p)[1] = map[string]any{"any": []any{nestedAll(0)}, "field": "employees", "op": "gte", "value": 1}
		}, "eligibility.all[1]"},
		{"LabelOnAll", func(p map[string]any) { p["eligibility"].(map[string]any)["label"] = "x" }, "eligibility.label"},
		{"Depth33", func(p map[string]any) { p["eligibility"] = nestedAll(32) }, "eligibility" + strings.Repeat(".all[0]", 32)},
		{"EligibilityMissing", func(p map[string]any) { delete(p, "eligibility") }, "eligibility"},
		{"IDUpperCase", func(p map[string]any) { p["id"] = "Bad_ID" }, "id"},
		{"IDTooShort", func(p map[string]any) { p["id"] = "ab" }, "id"},
		{"IDTooLong", func(p map[string]any) { p["id"] = strings.Repeat("a", 65) }, "id"},
		{"TitleMissing", func(p map[string]any) { delete(p, "title") }, "title"},
		{"TitleBlank", func(p map[string]any) { p["title"] = "   " }, "title"},
		{"DepartmentMissing", func(p map[string]any) { delete(p, "department") }, "department"},
		{"RegionScope", func(p map[string]any) { p["region"] = "3506" }, "region"},
		{"ModeUnknown", func(p map[string]any) { p["mode"] = "push" }, "mode"},
		{"ClockUnknown", func(p map[string]any) { p["clock"] = "hours" }, "clock"},
		{"DeadlineAsString", func(p map[string]any) { p["deadline_days"] = "45" }, "deadline_days"},
		{"ValidFromBadDate", func(p map[string]any) { p["valid_from"] = "2026/01/01" }, "valid_from"},
		{"ValidToBeforeValidFrom", func(p map[string]any) {
			p["valid_from"], p["valid_to"] = "2026-06-01", "2026-05-31"
		}, "valid_to"},
		{"TargetAfterDeadline", func(p map[string]any) { p["deadline_days"], p["target_days"] = 30, 31 }, "target_days"},
		{"BudgetZero", func(p map[string]any) { p["budget"] = 0 }, "budget"},
		{"BenefitKindUnknown", func(p map[string]any) { p["benefit"].(map[string]any)["kind"] = "cash" }, "benefit.kind"},
		{"AmountThreeDecimals", func(p map[string]any) {
			p["benefit"].(map[string]any)["amount"] = map[string]any{"fixed": 100.005}
		}, "benefit.amount.fixed"},
		{"RateOfNonMoneyField", func(p map[string]any) {
			p["benefit"].(map[string]any)["amount"] = map[string]any{"rate": "0.10", "of": "employees"}
		}, "benefit.amount.of"},
		{"TwoAmountForms", func(p map[string]any) {
			p["benefit"].(map[string]any)["amount"] = map[string]any{"fixed": 1, "rate": "0.10", "of": "revenue"}
		}, "benefit.amount"},
		{"TierWithoutWhen", func(p map[string]any) {
			p["benefit"].(map[string]any)["amount"] = map[string]any{"tiers": []any{map[string]any{"fixed": 100}}}
		}, "benefit.amount.tiers[0].when"},
		{"TierConditionBad", func(p map[string]any) {
			p["benefit"].(map[string]any)["amount"] = map[string]any{"tiers": []any{
				map[string]any{"when": nestedAll(0), "fixed": 100},
				map[string]any{"when": map[string]any{"field": "revenue", "op": "gte", "value": "lots"}, "fixed": 50},
			}}
		}, "benefit.amount.tiers[1].when.value"},
		{"TestProfileBadRegion", func(p map[string]any) {
			p["tests"] = []any{map[string]any{
				"profile":  map[string]any{"region": "999999", "industry": "C1952", "founded_on": "2015-01-01"},
				"eligible": false,
			}}
		}, "tests[0].profile.region"},
		{"TestProfileUnknownField", func(p map[string]any) {
			p["tests"] = []any{
				map[string]any{"profile": map[string]any{"region": "350582", "industry": "C1952", "founded_on": "2015-01-01"}, "eligible": false},
				map[string]any{"profile": map[string]any{"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "staff": 3}, "eligible": false},
			}
		}, "tests[1].profile.staff"},
		{"TestAmountNotEligible", func(p map[string]any) {
			p["tests"] = []any{map[string]any{
				"profile":  map[string]any{"region": "350582", "industry": "C1952", "founded_on": "2015-01-01"},
				"eligible": false, "amount": 100,
			}}
		}, "tests[0].amount"},
	}

	for i, tt := range tests {
		for _, format := range []string{"JSON", "YAML"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				id := fmt.Sprintf("bad-%s-%d", strings.ToLower(format), i)
				p := apiPolicy(id, apiDeptA)
				tt.mod(p)
				var body []byte
				var err error
				if format == "JSON" {
					body, err = json.Marshal(p)
				} else {
					body, err = yaml.Marshal(p)
				}
				if err != nil {
					t.Fatal(err)
				}
				r := s.do(t, "POST", "/v1/policies", s.Admin, body)
				wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
				s.mustDo(t, "GET", "/v1/policies/"+id, s.Admin, nil, http.StatusNotFound, nil)
			})
		}
	}

	t.Run("MalformedJSON", func(t *testing.T) {
		r := s.do(t, "POST", "/v1/policies", s.Admin, `{"id": "bad-json", "title": `)
		wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "")
	})
	t.Run("MalformedYAML", func(t *testing.T) {
		r := s.do(t, "POST", "/v1/policies", s.Admin, "id: bad-yaml\ntitle: [unclosed\n")
		wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "")
	})
	t.Run("EmptyBody", func(t *testing.T) {
		for _, body := range []string{"", "\n", "# only a comment\n"} {
			r := s.do(t, "POST", "/v1/policies", s.Admin, body)
			if r.Status != http.StatusBadRequest || r.apiError(t).Code != huiqi.EInvalid {
				t.Errorf("body %q: status %d, want 400 invalid_argument; body %s", body, r.Status, r.Body)
			}
		}
	})
	if got := s.policyTotal(t); got != 0 {
		t.Errorf("policy total = %d after refused requests, want 0", got)
	}

	// The limits are exact: a tree of depth 32 is accepted.
	t.Run("Depth32", func(t *testing.T) {
		p := apiPolicy("depth-32", apiDeptA)
		p["eligibility"] = nestedAll(31)
		s.mustDo(t, "POST", "/v1/policies", s.Admin, p, http.StatusCreated, nil)
	})

	// A change is validated like a new document and leaves the stored one.
	t.Run("PutRefused", func(t *testing.T) {
		p := apiPolicy("put-refused", apiDeptA)
		s.mustPublishPolicy(t, p)
		policyAll(p)[2].(map[string]any)["field"] = "staff"
		r := s.do(t, "PUT", "/v1/policies/put-refused", s.Admin, p)
		wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "eligibility.all[2].field")
		q := apiPolicy("other-id", apiDeptA)
		r = s.do(t, "PUT", "/v1/policies/put-refused", s.Admin, q)
		wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "id")
		var got struct {
			Version int    `json:"version"`
			Status  string `json:"status"`
		}
		s.mustDo(t, "GET", "/v1/policies/put-refused", s.Admin, nil, http.StatusOK, &got)
		if got.Version != 1 || got.Status != "published" {
			t.Errorf("after refused PUTs: version %d status %q, want 1 published", got.Version, got.Status)
		}
	})
}

func TestValidation_Token(t *testing.T) {
	s := mustAPIServer(t)
	tests := []struct {
		name  string
		body  any
		field string
	}{
		{"RoleUnknown", map[string]any{"role": "root"}, "role"},
		{"RoleMissing", map[string]any{}, "role"},
		{"OfficialWithoutDepartment", map[string]any{"role": "official"}, "department"},
		{"OfficialWithCode", map[string]any{"role": "official", "department": apiDeptA, "credit_code": apiCode(1)}, "credit_code"},
		{"AdminWithDepartment", map[string]any{"role": "admin", "department": apiDeptA}, "role"},
		{"EnterpriseBadCode", map[string]any{"role": "enterprise", "credit_code": wrongCheckChar(apiCode(1))}, "credit_code"},
		{"EnterpriseWithDepartment", map[string]any{"role": "enterprise", "credit_code": apiCode(1), "department": apiDeptA}, "department"},
		{"UnknownField", map[string]any{"role": "auditor", "expires": "never"}, "expires"},
		{"RoleWrongType", map[string]any{"role": 1}, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "POST", "/v1/tokens", s.Admin, tt.body)
			wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
		})
	}
}

func TestValidation_BodyLimit(t *testing.T) {
	s := mustAPIServer(t, func(srv *httpapi.Server) { srv.BodyLimit, srv.BulkLimit = 1024, 2048 })
	big := apiProfile(apiCode(7))
	big["name"] = strings.Repeat("大", 1000) // 3000 bytes of UTF-8
	bigJSON, _ := json.Marshal(big)
	bigPolicy := apiPolicy("too-big", apiDeptA)
	bigPolicy["body"] = strings.Repeat("政策正文", 200)
	bigPolicyJSON, _ := json.Marshal(bigPolicy)
	var ndjson strings.Builder
	for i := range 20 {
		line, _ := json.Marshal(apiProfile(apiCode(100 + i)))
		ndjson.Write(line)
		ndjson.WriteByte('\n')
	}

	tests := []struct {
		name, method, path string
		body               any
	}{
		{"Enterprise", "POST", "/v1/enterprises", bigJSON},
		{"EnterpriseChunked", "POST", "/v1/enterprises", apiChunked{strings.NewReader(string(bigJSON))}},
		{"Match", "POST", "/v1/match", bigJSON},
		{"Policy", "POST", "/v1/policies", bigPolicyJSON},
		{"PolicyChunked", "POST", "/v1/policies", apiChunked{strings.NewReader(string(bigPolicyJSON))}},
		{"Bulk", "POST", "/v1/enterprises/bulk", ndjson.String()},
		{"BulkChunked", "POST", "/v1/enterprises/bulk", apiChunked{strings.NewReader(ndjson.String())}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, s.Admin, tt.body)
			wantAPIError(t, r, http.StatusRequestEntityTooLarge, huiqi.ETooLarge, "")
		})
	}
	if got := s.enterpriseTotal(t); got != 0 {
		t.Errorf("enterprise total = %d after refused bodies, want 0", got)
	}
	if got := s.policyTotal(t); got != 0 {
		t.Errorf("policy total = %d after refused bodies, want 0", got)
	}
	// Under the limit the same routes work.
	s.mustCreateEnterprise(t, apiProfile(apiCode(7)))
}

// bulkReport is the answer of a bulk import.
type bulkReport struct {
	Accepted int       `json:"accepted"`
	Rejected int       `json:"rejected"`
	Errors   []bulkErr `json:"errors"`
}

type bulkErr struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func TestValidation_Bulk(t *testing.T) {
	s := mustAPIServer(t)
	line := func(p map[string]any) string {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	with := func(code string, mod func(p map[string]any)) string {
		p := apiProfile(code)
		mod(p)
		return line(p)
	}
	good1, good2 := apiCode(201), apiCode(202)
	legacy := wrongCheckChar(apiCode(203))
	bad := []string{apiCode(205), apiCode(206), apiCode(207), apiCode(208)}
	lines := []string{
		line(apiProfile(good1)),                            // 1
		`{"credit_code": "` + apiCode(204) + `", "name": `, // 2: malformed
		"", // 3: blank, skipped but counted
		with(strings.ToLower(legacy), func(p map[string]any) { p["legacy_code"] = true }),  // 4: legacy, admin bulk
		with(bad[0], func(p map[string]any) { p["staff"] = 3 }),                            // 5
		with(bad[1], func(p map[string]any) { p["credit_code"] = wrongCheckChar(bad[1]) }), // 6
		with(bad[2], func(p map[string]any) { p["employees"] = "10" }),                     // 7
		line(apiProfile(good2)), // 8
		with(bad[3], func(p map[string]any) { p["region"] = "350527" }),                               // 9
		with(apiCode(209), func(p map[string]any) { p["tags"] = []string{"unicorn"} }),                // 10
		with(apiCode(210), func(p map[string]any) { p["legacy_code"], p["credit_code"] = true, "1" }), // 11
	}
	var got bulkReport
	s.mustDo(t, "POST", "/v1/enterprises/bulk", s.Admin, strings.Join(lines, "\n")+"\n", http.StatusOK, &got)
	for _, e := range got.Errors {
		if e.Message == "" {
			t.Errorf("line %d: error without message", e.Line)
		}
	}
	want := bulkReport{Accepted: 3, Rejected: 7, Errors: []bulkErr{
		{Line: 2, Code: huiqi.EInvalid},
		{Line: 5, Code: huiqi.EInvalid, Field: "staff"},
		{Line: 6, Code: huiqi.EInvalid, Field: "credit_code"},
		{Line: 7, Code: huiqi.EInvalid, Field: "employees"},
		{Line: 9, Code: huiqi.EInvalid, Field: "region"},
		{Line: 10, Code: huiqi.EInvalid, Field: "tags[0]"},
		{Line: 11, Code: huiqi.EInvalid, Field: "credit_code"},
	}}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())); diff != "" {
		t.Errorf("bulk report mismatch (-want +got):\n%s", diff)
	}

	for _, code := range []string{good1, good2, legacy} {
		var e struct {
			CreditCode string `json:"credit_code"`
			LegacyCode bool   `json:"legacy_code"`
		}
		s.mustDo(t, "GET", "/v1/enterprises/"+code, s.Admin, nil, http.StatusOK, &e)
		if e.CreditCode != code || e.LegacyCode != (code == legacy) {
			t.Errorf("GET %s = {%s legacy=%v}, want {%s legacy=%v}", code, e.CreditCode, e.LegacyCode, code, code == legacy)
		}
	}
	for _, code := range append(bad, apiCode(204), apiCode(209)) {
		s.mustDo(t, "GET", "/v1/enterprises/"+code, s.Admin, nil, http.StatusNotFound, nil)
	}
	if got := s.enterpriseTotal(t); got != 3 {
		t.Errorf("enterprise total = %d, want 3", got)
	}

	t.Run("DuplicateLastWins", func(t *testing.T) {
		a, b := apiCode(301), apiCode(302)
		body := strings.Join([]string{
			with(a, func(p map[string]any) { p["name"] = "第一版" }),
			line(apiProfile(b)),
			with(a, func(p map[string]any) { p["name"] = "第二版" }),
		}, "\n")
		var got bulkReport
		s.mustDo(t, "POST", "/v1/enterprises/bulk", s.Admin, body, http.StatusOK, &got)
		if diff := cmp.Diff(bulkReport{Accepted: 3, Errors: []bulkErr{}}, got); diff != "" {
			t.Errorf("bulk report mismatch (-want +got):\n%s", diff)
		}
		var e struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		}
		s.mustDo(t, "GET", "/v1/enterprises/"+a, s.Admin, nil, http.StatusOK, &e)
		if e.Name != "第二版" {
			t.Errorf("name of %s = %q, want the later line's 第二版", a, e.Name)
		}
	})
}

func TestValidation_Query(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(1)
	s.mustCreateEnterprise(t, apiProfile(code))
	s.mustPublishPolicy(t, apiPolicy("query-policy", apiDeptA))
	profile := apiProfile(apiCode(2))

	tests := []struct {
		method, path string
		body         any
		field        string
	}{
		{"GET", "/v1/enterprises/" + code + "/matches?as_of=2026-13-01", nil, "as_of"},
		{"GET", "/v1/enterprises/" + code + "/matches?as_of=20261125", nil, "as_of"},
		{"GET", "/v1/enterprises/" + code + "/matches?near=maybe", nil, "near"},
		{"POST", "/v1/match?as_of=2026-02-30", profile, "as_of"},
		{"GET", "/v1/policies/query-policy/matches?as_of=yesterday", nil, "as_of"},
		{"POST", "/v1/policies/query-policy/preview?as_of=2026-13-01", nil, "as_of"},
		{"GET", "/v1/enterprises?limit=0", nil, "limit"},
		{"GET", "/v1/enterprises?limit=1001", nil, "limit"},
		{"GET", "/v1/enterprises?limit=abc", nil, "limit"},
		{"GET", "/v1/enterprises?limit=-1", nil, "limit"},
		{"GET", "/v1/enterprises?scale=huge", nil, "scale"},
		{"GET", "/v1/enterprises?after=%21%21%21", nil, "after"},
		{"GET", "/v1/policies?limit=0", nil, "limit"},
		{"GET", "/v1/policies?limit=1001", nil, "limit"},
		{"GET", "/v1/policies?limit=abc", nil, "limit"},
		{"GET", "/v1/policies?status=archived", nil, "status"},
		{"GET", "/v1/policies/query-policy?version=0", nil, "version"},
		{"GET", "/v1/policies/query-policy?version=abc", nil, "version"},
		{"GET", "/v1/policies/query-policy/matches?limit=1001", nil, "limit"},
		{"GET", "/v1/policies/query-policy/matches?limit=0", nil, "limit"},
		{"POST", "/v1/policies/query-policy/preview?limit=abc", nil, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, s.Admin, tt.body)
			wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
		})
	}
	// In range, the same parameters are accepted.
	s.mustDo(t, "GET", "/v1/enterprises?limit=1000", s.Admin, nil, http.StatusOK, nil)
	s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches?as_of=2026-12-31&near=true", s.Admin, nil, http.StatusOK, nil)
	if got := s.enterpriseTotal(t); got != 1 {
		t.Errorf("enterprise total = %d, want 1: POST /v1/match stores nothing", got)
	}
}

// A chunked bulk body that exceeds the limit only after more than a batch of
// lines is refused whole: no batch is committed.
func TestValidation_BulkChunkedOverLimitStoresNothing(t *testing.T) {
	var ndjson strings.Builder
	for i := range engine.ImportBatchSize + 500 {
		line, _ := json.Marshal(apiProfile(apiCode(10_000 + i)))
		ndjson.Write(line)
		ndjson.WriteByte('\n')
	}
	limit := int64(ndjson.Len() - 100)
	s := mustAPIServer(t, func(srv *httpapi.Server) { srv.BulkLimit = limit })
	r := s.do(t, "POST", "/v1/enterprises/bulk", s.Admin, apiChunked{strings.NewReader(ndjson.String())})
	wantAPIError(t, r, http.StatusRequestEntityTooLarge, huiqi.ETooLarge, "")
	if got := s.enterpriseTotal(t); got != 0 {
		t.Errorf("enterprise total = %d after a refused chunked bulk body, want 0", got)
	}
}
