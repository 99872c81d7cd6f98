package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// CalendarImportCommand adds or corrects a year of the statutory calendar
// from a JSON file, without a new release.
type CalendarImportCommand struct {
	Stdout, Stderr io.Writer
}

// Run validates the year, stores it with the actor and the time, and
// prints the year as now in force.
func (c *CalendarImportCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi calendar import", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	year := fs.Int("year", 0, "the year the file holds (default: the file's \"year\")")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi calendar import [flags] FILE

Adds or corrects one year of the statutory calendar from the State
Council's holiday notice. FILE is a JSON object:

	{"year": 2028, "source": "国办发明电〔2027〕…号",
	 "off": ["2028-01-01", …], "work": ["2028-01-29", …]}

off lists the public holidays, the weekends inside a holiday block
included; work lists the adjusted working days (调休), each a Saturday or
Sunday. Every date must lie inside the year. The year replaces the one
huiqi had, is recorded with the actor and the time, and every clock
counts with it from then on; a server running on the same data folder
takes it within the hour (PUT /v1/calendar/{year} takes effect at once).

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return flag.ErrHelp
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	// The file names its year beside the fields of the year itself.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	if raw, ok := doc["year"]; ok {
		var y int
		if err := json.Unmarshal(raw, &y); err != nil {
			return fmt.Errorf("%s: year: %w", fs.Arg(0), err)
		}
		if *year == 0 {
			*year = y
		} else if y != *year {
			return fmt.Errorf("%s holds year %d, not %d", fs.Arg(0), y, *year)
		}
		delete(doc, "year")
	}
	if *year == 0 {
		return fmt.Errorf("%s: the year is missing: add \"year\" to the file or pass --year", fs.Arg(0))
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	info, err := eng.PutCalendarYear(engine.System(ctx), *year, body)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.Stdout, "%d: %d holidays, %d adjusted working days, from %s (recorded by %s at %s)\n",
		info.Year, info.Off, info.Work, info.Source, info.Actor, info.At.In(huiqi.Shanghai).Format(time.DateTime))
	return nil
}

// CalendarListCommand prints the years the statutory calendar covers.
type CalendarListCommand struct {
	Stdout, Stderr io.Writer
}

// Run prints one line a year, with its origin and source.
func (c *CalendarListCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi calendar list", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi calendar list [flags]\n\nPrints the years the statutory calendar covers, embedded or added by an operator, with their sources.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	st, err := eng.CalendarYears(engine.System(ctx))
	if err != nil {
		return userError(err)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "YEAR\tORIGIN\tOFF\tWORK\tSET BY\tSOURCE")
	for _, y := range st.Years {
		by := ""
		if y.Actor != "" {
			by = y.Actor + " " + y.At.In(huiqi.Shanghai).Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\n", y.Year, y.Origin, y.Off, y.Work, by, y.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st.Warning != "" {
		fmt.Fprintln(c.Stderr, "warning:", st.Warning)
	}
	return nil
}
