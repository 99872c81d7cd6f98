package policies

import (
	"bytes"
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
)

// catalogue is the bundled demo catalogue of Quanzhou policies.
//
//go:embed catalogue/*.yaml
var catalogue embed.FS

// Catalogue parses the bundled demo catalogue, in file name order.
func Catalogue(today huiqi.Date) ([]*Policy, error) {
	return parseDir(catalogue, "catalogue", today)
}

// ParsePath parses one policy file (.yaml, .yml or .json; .ndjson holds one
// JSON policy a line) or every such file of a directory, in name order. An
// error names the file and, for NDJSON, the line.
func ParsePath(path string, today huiqi.Date) ([]*Policy, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return parseDir(os.DirFS(path), ".", today)
	}
	return parseDir(os.DirFS(filepath.Dir(path)), filepath.Base(path), today)
}

// FileError is a parse error of one policy file.
type FileError struct {
	File string
	Err  error
}

// Error reports the file, the field path and the message.
func (e *FileError) Error() string {
	if f := huiqi.ErrorField(e.Err); f != "" {
		return e.File + ": " + f + ": " + huiqi.ErrorMessage(e.Err)
	}
	return e.File + ": " + huiqi.ErrorMessage(e.Err)
}

// Unwrap returns the parse error.
func (e *FileError) Unwrap() error { return e.Err }

func parseDir(fsys fs.FS, root string, today huiqi.Date) ([]*Policy, error) {
	var files []string
	err := fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json", ".ndjson":
			if !d.IsDir() {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*Policy
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(filepath.Ext(name), ".ndjson") {
			for i, line := range bytes.Split(data, []byte("\n")) {
				if len(bytes.TrimSpace(line)) == 0 {
					continue
				}
				p, err := Parse(line, today)
				if err != nil {
					return nil, &FileError{File: name + ":" + strconv.Itoa(i+1), Err: err}
				}
				out = append(out, p)
			}
			continue
		}
		p, err := Parse(data, today)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		out = append(out, p)
	}
	return out, nil
}
