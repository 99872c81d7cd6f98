package main

import "testing"

func TestDefaultMemoryLimit(t *testing.T) {
	const meminfo = "MemTotal:       24576000 kB\nMemFree:         8000000 kB\n"
	for _, tc := range []struct {
		name, cgroupMax, meminfo string
		want                     int64
	}{
		{"Cgroup", "4294967296\n", meminfo, 3 << 30},
		{"CgroupUnlimited", "max\n", meminfo, 24576000 << 10 / 4 * 3},
		{"NoCgroup", "", meminfo, 24576000 << 10 / 4 * 3},
		{"Unknown", "", "", 0},
		{"BadMeminfo", "", "MemTotal: lots\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultMemoryLimit(tc.cgroupMax, tc.meminfo); got != tc.want {
				t.Errorf("defaultMemoryLimit(%q, %q) = %d, want %d", tc.cgroupMax, tc.meminfo, got, tc.want)
			}
		})
	}
}
