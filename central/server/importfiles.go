package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ImportFile is one import file, unparsed: its base name says what it
// holds (*.json, or a CSV named by its kind: pupils.csv, ...). The
// administration commands send these to a running server, which parses
// them exactly as ReadImport does.
type ImportFile struct {
	Name string
	Data []byte
}

// ReadImportFiles reads the files ReadImport would read from path (a
// .json file, a CSV file named by its kind, or a directory of such CSV
// files, in dependency order), without parsing them.
func ReadImportFiles(path string) ([]ImportFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if fi.IsDir() {
		return readCSVDirFiles(path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
	case ".csv":
		if _, ok := specFor(path); !ok {
			return nil, fmt.Errorf("import %s: a CSV file is named by what it holds: one of %s", path, csvNames())
		}
	default:
		return nil, fmt.Errorf("import %s: want a .json file, a .csv file or a directory of .csv files", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return []ImportFile{{Name: filepath.Base(path), Data: data}}, nil
}

func readCSVDirFiles(dir string) ([]ImportFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			continue
		}
		if _, ok := specFor(e.Name()); !ok {
			return nil, fmt.Errorf("import %s: %s: unknown CSV file; the files are named %s", dir, e.Name(), csvNames())
		}
	}
	var files []ImportFile
	for _, sp := range csvSpecs {
		data, err := os.ReadFile(filepath.Join(dir, sp.file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		files = append(files, ImportFile{Name: sp.file, Data: data})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("import %s: no CSV files (%s)", dir, csvNames())
	}
	return files, nil
}

// ParseImportFiles parses files (see ImportFile) in order and merges them:
// errors name the file and line (CSV) or the line and column (JSON).
func ParseImportFiles(files []ImportFile) (ImportData, error) {
	var all ImportData
	for _, f := range files {
		name := filepath.Base(f.Name)
		var d ImportData
		var err error
		switch strings.ToLower(filepath.Ext(name)) {
		case ".json":
			d, err = ParseImportJSON(name, f.Data)
		case ".csv":
			d, err = ParseCSV(name, f.Data)
		default:
			err = fmt.Errorf("import %s: want a .json file or a .csv file named by what it holds (%s)", name, csvNames())
		}
		if err != nil {
			return ImportData{}, err
		}
		all.Merge(d)
	}
	return all, nil
}

// ErrNoRecords refuses an import whose files hold no records at all
// (almost always a mistake: the wrong file, or a header-only CSV).
var ErrNoRecords = errors.New("the files hold no records")

// ImportFiles parses files (see ParseImportFiles) and imports them in one
// transaction: on any error nothing is written.
func (s *Server) ImportFiles(files []ImportFile) (ImportStats, error) {
	d, err := ParseImportFiles(files)
	if err != nil {
		return ImportStats{}, err
	}
	if d.Len() == 0 {
		return ImportStats{}, ErrNoRecords
	}
	return s.Import(d)
}
