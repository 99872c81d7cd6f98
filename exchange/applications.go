package exchange

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// ApplicationReader reads historical applications from NDJSON, one
// engine.HistoricalApplication a line, for engine.ImportApplications. Blank
// lines are skipped; a line that is not a record is that line's EInvalid
// error; a line over engine.MaxLineSize ends the import, since a file that
// holds one is not an export of applications.
type ApplicationReader struct {
	s    *bufio.Scanner
	line int
}

// NewApplicationReader returns a reader of r.
func NewApplicationReader(r io.Reader) *ApplicationReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), engine.MaxLineSize)
	return &ApplicationReader{s: s}
}

// Next returns the next record and its line number counted from 1, or
// io.EOF at the end.
func (r *ApplicationReader) Next() (int, *engine.HistoricalApplication, error) {
	for r.s.Scan() {
		r.line++
		b := r.s.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var rec engine.HistoricalApplication
		if err := huiqi.DecodeJSON(b, &rec); err != nil {
			return r.line, nil, err
		}
		return r.line, &rec, nil
	}
	if err := r.s.Err(); errors.Is(err, bufio.ErrTooLong) {
		return r.line + 1, nil, fmt.Errorf("line %d longer than %d bytes: %w", r.line+1, engine.MaxLineSize, err)
	} else if err != nil {
		return r.line, nil, err
	}
	return r.line, nil, io.EOF
}
