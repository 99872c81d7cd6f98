// Package huiqi holds the domain of huiqi (惠企), a policy-to-enterprise
// matching engine: enterprise profiles, money, dates in Asia/Shanghai and the
// error codes every layer shares. It imports only the standard library; the
// storage, index and HTTP layers live in their own packages.
package huiqi

import "time"

// Shanghai is the zone every date and deadline is reckoned in. China has kept
// UTC+8 without daylight saving since 1991, so a fixed zone is exact and needs
// no tz database on the host.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)
