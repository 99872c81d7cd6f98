package matcher

import (
	"strings"

	"github.com/huiqi/huiqi"
)

// Text conditions ask for words in a profile's prose (经营范围, 主营产品):
// the text contains one (contains_any) or every (contains_all) word as a
// substring, both folded by huiqi.FoldText; a missing text ("") leaves
// them unknown. No column holds the prose, so both fast paths evaluate
// them on the row, as they do name and the history leaves.

// compileWords compiles a text condition on the field f: the words are
// folded once here, the text on each evaluation.
func compileWords(n *node, f huiqi.Field) {
	n.acc, n.text, n.attr = accWords, f.Name, attrRow
	n.strs = make([]string, len(n.cond.Arg.Strs))
	for i, w := range n.cond.Arg.Strs {
		n.strs[i] = huiqi.FoldText(w)
	}
}

// holdsWords reports whether a text condition holds for the known text v.
func (n *node) holdsWords(v string) bool {
	v = huiqi.FoldText(v)
	for _, w := range n.strs {
		found := strings.Contains(v, w)
		if found != (n.cond.Op == huiqi.OpContainsAll) {
			return found // any: one found; all: one not found
		}
	}
	return n.cond.Op == huiqi.OpContainsAll
}

// wordsGap names the words the text lacks, as the rule wrote them:
// 经营范围不含「鞋」「服装」. For contains_any that is every word, for
// contains_all those missing.
func (n *node) wordsGap(p *Profile) string {
	v := huiqi.FoldText(textOf(p, n.text))
	var lacking []string
	for i, w := range n.strs {
		if !strings.Contains(v, w) {
			lacking = append(lacking, "「"+n.cond.Arg.Strs[i]+"」")
		}
	}
	if len(lacking) == 0 {
		return ""
	}
	return n.shown.field.Label + "不含" + strings.Join(lacking, "") // the field looked up when compiled
}
