package policies

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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

// ParsePath parses one policy file (.yaml, .yml or .json) or every such file
// of a directory, in name order. An error names the file.
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
		case ".yaml", ".yml", ".json":
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
		p, err := Parse(data, today)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		out = append(out, p)
	}
	return out, nil
}
