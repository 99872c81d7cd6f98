package httpapi

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi/matcher"
)

// answerBuffers are the buffers verdict answers are written into: an
// enterprise's answer against a catalogue runs to hundreds of kilobytes,
// which a fresh buffer per request would hand to the garbage collector.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// maxPooledAnswer is the largest buffer kept for reuse: a rare huge answer
// is not held for the life of the process.
const maxPooledAnswer = 4 << 20

// respondResult writes a verdict answer, or the error: the same JSON as
// respond writes (matcher.Result.AppendJSON is equal to encoding/json),
// written by appending into a pooled buffer and sent with its length. The
// answer is released once written.
func (s *Server) respondResult(c *gin.Context, r *matcher.Result, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	defer r.Release()
	bp := answerBuffers.Get().(*[]byte)
	b, err := r.AppendJSON((*bp)[:0])
	if err != nil {
		s.fail(c, err)
	} else {
		c.Header("Content-Length", strconv.Itoa(len(b)))
		c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	}
	if cap(b) <= maxPooledAnswer {
		*bp = b[:0]
		answerBuffers.Put(bp)
	}
}
