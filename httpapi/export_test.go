package httpapi

// Accessors for the external tests only.

// MetricsURL returns the base URL of the metrics address, or "" without one.
func (s *Server) MetricsURL() string {
	if s.metricsLn == nil {
		return ""
	}
	return "http://" + s.metricsLn.Addr().String()
}

// ThrottleBuckets is the number of buckets the throttles keep, for tests
// of their bound.
func (s *Server) ThrottleBuckets() int {
	return s.authFailures.Len() + s.anonymous.Len() + s.bulk.Len()
}
