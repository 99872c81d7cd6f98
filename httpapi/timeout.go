package httpapi

import (
	"io"
	"net/http"
	"time"
)

// BodyRate is the slowest a request body may arrive: after Grace, the
// client must keep up MinRate bytes a second, with Window bytes of slack.
// A fixed read timeout would either cut off a city's bulk import or let a
// body trickle in for minutes; a minimum rate does neither. The default,
// 2 KiB/s (a poor mobile link), takes a 1 MiB chunk in under nine minutes
// and drops a body sent at 1 byte a second within about twenty seconds
// (NewServer sets it).
type BodyRate struct {
	Grace   time.Duration
	MinRate int64 // bytes a second
	Window  int64 // bytes
}

// deadline is when the client must have sent n more bytes than read, given
// when the body started.
func (b BodyRate) deadline(start time.Time, read int64) time.Time {
	need := read + b.Window
	return start.Add(b.Grace + time.Duration(need*int64(time.Second)/b.MinRate))
}

// guardBodies sets a read deadline on every request with a body and moves
// it on as the body arrives at the minimum rate; a body that falls behind
// fails to read, and the connection closes.
func (s *Server) guardBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rate := s.BodyRate
		if rate.MinRate <= 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		if rc.SetReadDeadline(rate.deadline(start, 0)) != nil {
			next.ServeHTTP(w, r) // not a real connection (a test recorder)
			return
		}
		// The deadline stays when the handler leaves the body unread: the
		// server's drain of what is left is bound by it too.
		r.Body = &rateBody{ReadCloser: r.Body, rc: rc, rate: rate, start: start}
		next.ServeHTTP(w, r)
	})
}

// rateBody moves the connection's read deadline on as its bytes arrive.
type rateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	rate  BodyRate
	start time.Time
	read  int64
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == io.EOF:
		// The body is in: what the connection reads next (the server's
		// watch for a hang-up, the next request) has its own timeouts.
		b.rc.SetReadDeadline(time.Time{})
	case n > 0:
		b.rc.SetReadDeadline(b.rate.deadline(b.start, b.read))
	}
	return n, err
}
