package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// CreateEnterprise validates and stores a new profile (admin). It returns
// EInvalid naming the field, EConflict when the credit code exists.
func (e *Engine) CreateEnterprise(ctx context.Context, en *huiqi.Enterprise) error {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return err
	}
	if err := en.Validate(e.Today(), false); err != nil {
		return err
	}
	if err := e.written(ctx, func() (indexChange, error) {
		return indexChange{enterprises: []*huiqi.Enterprise{en}}, e.DB.CreateEnterprise(ctx, en)
	}); err != nil {
		return err
	}
	return e.profilesChanged(ctx, en)
}

// UpdateEnterprise validates and stores a change of the profile with the
// given credit code (admin). It returns EInvalid, or ENotFound.
func (e *Engine) UpdateEnterprise(ctx context.Context, code string, en *huiqi.Enterprise) error {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return err
	}
	code = strings.ToUpper(code)
	if en.CreditCode == "" {
		en.CreditCode = code
	}
	old, err := e.DB.FindEnterprise(ctx, code)
	if err != nil {
		return err
	}
	// Only a bulk import may mark a pilot code legacy; a change keeps the mark.
	if err := en.Validate(e.Today(), old.LegacyCode && en.LegacyCode); err != nil {
		return err
	}
	if en.CreditCode != code {
		return huiqi.FieldErrorf("credit_code", "请求体中的统一社会信用代码与地址中的 %s 不一致", code)
	}
	if err := e.written(ctx, func() (indexChange, error) {
		return indexChange{enterprises: []*huiqi.Enterprise{en}}, e.DB.UpdateEnterprise(ctx, en)
	}); err != nil {
		return err
	}
	return e.profilesChanged(ctx, en)
}

// profilesChanged brings what derives from profiles up to date after their
// commit.
func (e *Engine) profilesChanged(ctx context.Context, es ...*huiqi.Enterprise) error {
	return e.refreshProfiles(ctx, es)
}

// FindEnterprise returns a profile: any for admins, officials and auditors,
// its own for an enterprise. It returns ENotFound or EForbidden.
func (e *Engine) FindEnterprise(ctx context.Context, code string) (*huiqi.Enterprise, error) {
	if err := mayReadEnterprise(ctx, code); err != nil {
		return nil, err
	}
	return e.DB.FindEnterprise(ctx, code)
}

// ListEnterprises returns a page of profiles (admin, official, auditor).
func (e *Engine) ListEnterprises(ctx context.Context, f huiqi.EnterpriseFilter) ([]*huiqi.Enterprise, int, string, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial, huiqi.RoleAuditor); err != nil {
		return nil, 0, "", err
	}
	return e.DB.ListEnterprises(ctx, f)
}

// BulkError is the error of one line of a bulk import.
type BulkError struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// BulkReport is the outcome of a bulk import: valid lines are kept, invalid
// ones reported.
type BulkReport struct {
	Accepted int         `json:"accepted"`
	Rejected int         `json:"rejected"`
	Errors   []BulkError `json:"errors"`
	// ErrorsTruncated says that Errors lists only the first MaxBulkErrors
	// of the Rejected lines' errors (one a line).
	ErrorsTruncated bool `json:"errors_truncated"`
}

// MaxBulkErrors bounds the errors a report lists; the counts stay exact.
const MaxBulkErrors = 1000

// ImportBatchSize is how many profiles one import transaction commits.
const ImportBatchSize = 2000

// ImportEnterprises reads profiles from src, one a line, validates each and
// commits them in batches (admin). A line that fails is reported and
// skipped; the rest are kept. Only what a committed batch holds is counted
// as accepted. progress, when not nil, is called after each batch.
func (e *Engine) ImportEnterprises(ctx context.Context, src ProfileSource, progress func(BulkReport)) (BulkReport, error) {
	r := BulkReport{Errors: []BulkError{}}
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return r, err
	}
	b, ok := e.DB.(bulkStore)
	if !ok {
		return e.importEnterprises(ctx, src, progress)
	}
	err := b.Bulk(ctx, func(ctx context.Context) error {
		var err error
		r, err = e.importEnterprises(ctx, src, progress)
		return err
	})
	return r, err
}

// bulkStore is a store that can make the commits of a bulk write durable
// together at its end, rather than waiting for the disk at each (package
// sqlite). The import's report is returned only after that.
type bulkStore interface {
	Bulk(ctx context.Context, fn func(context.Context) error) error
}

func (e *Engine) importEnterprises(ctx context.Context, src ProfileSource, progress func(BulkReport)) (BulkReport, error) {
	r := BulkReport{Errors: []BulkError{}}
	today := e.Today()
	var batch []*huiqi.Enterprise
	seen := map[string]int{}
	dups := 0 // lines of the batch that replaced an earlier line of it
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		changed, err := e.putEnterprises(ctx, batch)
		if err != nil {
			return err
		}
		r.Accepted += len(batch) + dups
		batch, seen, dups = batch[:0:0], map[string]int{}, 0
		if err := e.profilesChanged(ctx, changed...); err != nil {
			return err
		}
		if progress != nil {
			progress(r)
		}
		return nil
	}
	reject := func(line int, err error) {
		r.Rejected++
		r.ErrorsTruncated = r.Rejected > MaxBulkErrors
		if len(r.Errors) < MaxBulkErrors {
			r.Errors = append(r.Errors, BulkError{Line: line, Code: huiqi.ErrorCode(err), Message: huiqi.ErrorMessage(err), Field: huiqi.ErrorField(err)})
		}
	}
	next, stop := decodeAhead(src, today)
	defer stop()
	for {
		line, en, err := next()
		if errors.Is(err, io.EOF) {
			break
		} else if huiqi.ErrorCode(err) == huiqi.EInvalid {
			reject(line, err)
			continue
		} else if err != nil {
			return r, err
		}
		if i, dup := seen[en.CreditCode]; dup {
			batch[i] = en // a later line of the same batch wins, as it would across batches
			dups++
		} else {
			seen[en.CreditCode] = len(batch)
			batch = append(batch, en)
		}
		if len(batch) >= ImportBatchSize {
			if err := flush(); err != nil {
				return r, err
			}
		}
	}
	return r, flush()
}

// ProfileSource yields profiles one line at a time: the line number counted
// from 1 and the profile, an EInvalid error for a line that cannot be read
// as a profile, or io.EOF at the end.
type ProfileSource interface {
	Next() (line int, e *huiqi.Enterprise, err error)
}

// NDJSONSource reads one JSON profile a line.
type NDJSONSource struct {
	r    *bufio.Reader
	line int
}

// MaxLineSize bounds one NDJSON line; a longer line is that line's error
// and the import goes on after it.
const MaxLineSize = 1 << 20

// NewNDJSONSource returns a source over r.
func NewNDJSONSource(r io.Reader) *NDJSONSource {
	return &NDJSONSource{r: bufio.NewReaderSize(r, 64*1024)}
}

// Next implements ProfileSource; blank lines are skipped.
func (s *NDJSONSource) Next() (int, *huiqi.Enterprise, error) {
	line, b, err := s.nextLine()
	if err != nil {
		return line, nil, err
	}
	en, err := decodeProfile(b)
	return line, en, err
}

// nextLine returns the next non-blank line, as a copy, and its number; a
// line over MaxLineSize is skipped and answered with its EInvalid error.
func (s *NDJSONSource) nextLine() (int, []byte, error) {
	for {
		b, long, err := s.readLine()
		if err == io.EOF && len(b) == 0 && !long {
			return s.line, nil, io.EOF
		} else if err != nil && err != io.EOF {
			return s.line, nil, err
		}
		s.line++
		if long {
			return s.line, nil, huiqi.Errorf(huiqi.EInvalid, "第 %d 行超过 %d 字节的上限，已跳过", s.line, MaxLineSize)
		}
		if len(bytes.TrimSpace(b)) != 0 {
			return s.line, b, nil
		}
	}
}

// readLine reads one line without its newline; a line over MaxLineSize is
// read to its end and dropped, reported as long.
func (s *NDJSONSource) readLine() (b []byte, long bool, err error) {
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !long {
			if len(b)+len(chunk) > MaxLineSize+1 { // +1: the newline
				long, b = true, nil
			} else {
				b = append(b, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(b, []byte("\n")), long, err
	}
}

// lineSource is a ProfileSource whose lines can be read apart from decoding
// them, so that an import decodes them on every core.
type lineSource interface {
	nextLine() (line int, data []byte, err error)
}

// decoded is one line of an import, decoded and validated: the profile, or
// the error of the line (EInvalid), or of reading (anything else; io.EOF
// at the end).
type decoded struct {
	line int
	en   *huiqi.Enterprise
	err  error
}

// decodeChunk is a run of lines decoded by one worker.
type decodeChunk struct {
	lines []int
	data  [][]byte
	errs  map[int]error // by index: lines that failed before decoding (too long)
	out   []decoded
	done  chan struct{}
}

// decodeChunkSize is the lines a decoding worker takes at a time.
const decodeChunkSize = 256

// decodeAhead returns the profiles of src one at a time, decoded and
// validated as of today, in line order. Decoding and validation, most of
// the work of an import besides SQLite's, run ahead on other goroutines,
// one per CPU for a source of lines, while the caller commits. Call stop
// when done: it lets the goroutines end.
func decodeAhead(src ProfileSource, today huiqi.Date) (next func() (int, *huiqi.Enterprise, error), stop func()) {
	validate := func(line int, en *huiqi.Enterprise, err error) decoded {
		if err == nil {
			err = en.Validate(today, true)
		}
		return decoded{line, en, err}
	}
	ls, ok := src.(lineSource)
	if !ok {
		return func() (int, *huiqi.Enterprise, error) {
			line, en, err := src.Next()
			if err != nil {
				return line, nil, err
			}
			d := validate(line, en, nil)
			return d.line, d.en, d.err
		}, func() {}
	}
	quit := make(chan struct{})
	workers := runtime.GOMAXPROCS(0)
	// Two batches' worth of lines ahead, so that the next batch is decoded
	// while one commits.
	ahead := max(2*ImportBatchSize/decodeChunkSize, 2*workers)
	todo := make(chan *decodeChunk, ahead)
	ordered := make(chan *decodeChunk, ahead)
	go func() {
		defer close(ordered)
		defer close(todo)
		for end := false; !end; {
			c := &decodeChunk{done: make(chan struct{})}
			for len(c.lines) < decodeChunkSize {
				line, b, err := ls.nextLine()
				if huiqi.ErrorCode(err) == huiqi.EInvalid { // that line's error: go on
					if c.errs == nil {
						c.errs = map[int]error{}
					}
					c.errs[len(c.lines)] = err
					c.lines, c.data = append(c.lines, line), append(c.data, nil)
					continue
				}
				if err != nil {
					// The read error ends the run, after the lines before it.
					c.out = append(c.out, decoded{line: line, err: err})
					end = true
					break
				}
				c.lines, c.data = append(c.lines, line), append(c.data, b)
			}
			// ordered first: the consumer waits on a chunk surely in todo.
			for _, ch := range []chan *decodeChunk{ordered, todo} {
				select {
				case ch <- c:
				case <-quit:
					return
				}
			}
		}
	}()
	for range workers {
		go func() {
			for c := range todo {
				tail := c.out // the read error, if any, comes last
				c.out = make([]decoded, 0, len(c.lines)+len(tail))
				for i, b := range c.data {
					if err := c.errs[i]; err != nil {
						c.out = append(c.out, decoded{line: c.lines[i], err: err})
						continue
					}
					en, err := decodeProfile(b)
					c.out = append(c.out, validate(c.lines[i], en, err))
				}
				c.out = append(c.out, tail...)
				c.data = nil
				close(c.done)
			}
		}()
	}
	var cur *decodeChunk
	next = func() (int, *huiqi.Enterprise, error) {
		for cur == nil || len(cur.out) == 0 {
			c, ok := <-ordered
			if !ok {
				return 0, nil, io.EOF
			}
			<-c.done
			cur = c
		}
		d := cur.out[0]
		cur.out = cur.out[1:]
		return d.line, d.en, d.err
	}
	stop = func() {
		// The goroutines end on their own: the reader at its next chunk or
		// when its source fails (an HTTP body closes with its request), the
		// workers when the reader closes todo. Not waiting for them keeps a
		// stalled source from holding up an import that has already failed.
		close(quit)
		go func() {
			for range ordered {
			}
		}()
	}
	return next, stop
}

// MatchEnterprise judges every published policy for a stored enterprise on
// day. An official sees only its department's policies. It returns
// ENotFound or EForbidden.
func (e *Engine) MatchEnterprise(ctx context.Context, code string, day huiqi.Date, near bool) (matcher.Result, error) {
	if err := mayReadEnterprise(ctx, code); err != nil {
		return matcher.Result{}, err
	}
	p, ok := e.Matcher.Profile(code)
	if !ok {
		return matcher.Result{}, huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业", code)
	}
	var keep func(*matcher.Compiled) bool
	if t := huiqi.TokenFromContext(ctx); t.Role == huiqi.RoleOfficial {
		keep = func(c *matcher.Compiled) bool { return c.Policy.Department == t.Department }
	}
	r := e.Matcher.MatchProfileWhere(p, day, near, keep)
	e.counted(e.Matcher.PolicyCount(), len(r.Eligible))
	return r, nil
}

// MatchProfile is the policy calculator: it validates a profile given by
// anyone and judges every published policy for it, storing nothing.
func (e *Engine) MatchProfile(ctx context.Context, en *huiqi.Enterprise, day huiqi.Date, near bool) (matcher.Result, error) {
	if en.CreditCode == "" {
		en.CreditCode = huiqi.PlaceholderCreditCode
	}
	if err := en.Validate(e.Today(), false); err != nil {
		return matcher.Result{}, err
	}
	r := e.Matcher.MatchProfile(matcher.NewProfile(en), day, near)
	e.counted(e.Matcher.PolicyCount(), len(r.Eligible))
	return r, nil
}
