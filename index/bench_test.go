package index_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/policies"
)

// benchEnterprises is the scale; HUIQI_BENCH_ENTERPRISES changes it.
func benchEnterprises() int {
	if n, err := strconv.Atoi(os.Getenv("HUIQI_BENCH_ENTERPRISES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

func tempDir(b *testing.B) string {
	dir, err := os.MkdirTemp("", "huiqi-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// scopeItems are entries of business scopes as registers write them.
var scopeItems = strings.Split("鞋制造；鞋帽批发；鞋帽零售；服装制造；服装服饰批发；服装服饰零售；针纺织品销售；皮革制品制造；"+
	"箱包制造；运动器材制造；体育用品及器材批发；日用陶瓷制品制造；建筑陶瓷制品销售；卫生陶瓷制品制造；石材加工；"+
	"茶叶种植；茶叶制品生产；食品销售；预包装食品销售；农副产品销售；塑料制品制造；橡胶制品制造；纸制品制造；"+
	"包装服务；电子元器件制造；光电子器件制造；显示器件制造；软件开发；信息技术咨询服务；互联网销售；"+
	"货物进出口；技术进出口；普通货物仓储服务；道路货物运输；机械设备销售；通用设备制造；五金产品批发；"+
	"化工产品销售；石油制品销售；家具制造；工艺美术品及礼仪用品制造；广告设计、代理；企业管理咨询", "；")

var productItems = strings.Split("运动鞋、休闲鞋、皮鞋、童鞋、拖鞋、运动服、夹克、牛仔裤、内衣、袜子、陶瓷砖、茶具、餐具、铁观音、"+
	"乌龙茶、纸尿裤、卫生巾、石材、LED显示屏、锂电池、注塑件、包装盒、箱包、工艺品", "、")

// withTexts gives about nine profiles in ten a business scope of 3 to 9
// register entries and two in three their main products, the entries
// drawn as registers have them: a few in most scopes, most in few.
func withTexts(es []*huiqi.Enterprise) []*huiqi.Enterprise {
	r := rand.New(rand.NewPCG(7, 11))
	pick := func(items []string, lo, hi int, sep string) string {
		z := rand.NewZipf(r, 1.2, 2, uint64(len(items)-1))
		n := lo + r.IntN(hi-lo+1)
		out := make([]string, n)
		for i := range out {
			out[i] = items[z.Uint64()]
		}
		return strings.Join(out, sep)
	}
	for _, e := range es {
		if e.BusinessScope == "" && r.IntN(10) > 0 {
			e.BusinessScope = "一般项目：" + pick(scopeItems, 3, 9, "；")
		}
		if e.MainProducts == "" && r.IntN(3) > 0 {
			e.MainProducts = pick(productItems, 1, 3, "、")
		}
	}
	return es
}

// BenchmarkEnterpriseCandidates times the candidate query of a text
// condition over the demo profiles with texts.
func BenchmarkEnterpriseCandidates(b *testing.B) {
	es := withTexts(demo.Enterprises(benchEnterprises(), 1, today))
	ix := MustOpen(b, tempDir(b))
	start := time.Now()
	if err := ix.Rebuild(context.Background(), nil, all(es)); err != nil {
		b.Fatal(err)
	}
	b.Logf("indexed %d profiles in %v", len(es), time.Since(start).Round(time.Millisecond))
	lowered := make([]string, len(es))
	for i, e := range es {
		lowered[i] = strings.ToLower(e.BusinessScope)
	}
	for _, w := range [][]string{{"鞋"}, {"鞋", "服装"}, {"显示器件"}, {"茶叶", "铁观音"}, {"企业管理咨询"}, {"LED"}} {
		p := &policies.Policy{ID: "p", Eligibility: &policies.Condition{Field: "business_scope", Op: "contains_any", Arg: policies.Arg{Strs: w}}}
		name := strings.Join(w, "+")
		b.Run(name+"/index", func(b *testing.B) {
			var n int
			for b.Loop() {
				codes, _, err := ix.EnterpriseCandidates(context.Background(), p, len(es), false)
				if err != nil {
					b.Fatal(err)
				}
				n = len(codes)
			}
			b.ReportMetric(float64(n), "candidates")
		})
		b.Run(name+"/index-undetermined", func(b *testing.B) {
			var n int
			for b.Loop() {
				codes, _, err := ix.EnterpriseCandidates(context.Background(), p, len(es), true)
				if err != nil {
					b.Fatal(err)
				}
				n = len(codes)
			}
			b.ReportMetric(float64(n), "candidates")
		})
		// scan searches every profile's text for the words, as the
		// column scan does.
		b.Run(name+"/scan", func(b *testing.B) {
			var n int
			for b.Loop() {
				n = 0
				for _, s := range lowered {
					for _, x := range w {
						if s != "" && strings.Contains(s, strings.ToLower(x)) {
							n++
							break
						}
					}
				}
			}
			b.ReportMetric(float64(n), "holding")
		})
	}
}

// BenchmarkPutEnterprises measures the index catch-up: the demo profiles,
// with texts, put into a fresh on-disk index in calls of 2,000
// (engine.ImportBatchSize), and through Rebuild.
func BenchmarkPutEnterprises(b *testing.B) {
	n := benchEnterprises()
	es := withTexts(demo.Enterprises(n, 1, today))
	for _, tc := range []struct {
		name string
		put  func(ix *index.Index) error
	}{
		{"put", func(ix *index.Index) error {
			for i := 0; i < len(es); i += 2000 {
				if err := ix.PutEnterprises(es[i:min(i+2000, len(es))]); err != nil {
					return err
				}
			}
			return nil
		}},
		{"rebuild", func(ix *index.Index) error { return ix.Rebuild(context.Background(), nil, all(es)) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				ix, err := index.Open(tempDir(b))
				if err != nil {
					b.Fatal(err)
				}
				start, cpu := time.Now(), cpuTime()
				if err := tc.put(ix); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "profiles/s")
				b.ReportMetric((cpuTime() - cpu).Seconds(), "cpu-s")
				if c, err := ix.Counts(); err != nil || c.Enterprises != uint64(n) {
					b.Fatalf("counts %+v, %v", c, err)
				}
				ix.Close()
			}
		})
	}
}

// cpuTime is the CPU time the process has used: on a machine shared with
// other work, wall time measures the neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
