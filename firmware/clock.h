/* The agent's wall clock: corrected from servers' Date headers, "known wrong" before the build date. */
#ifndef AMP_CLOCK_H
#define AMP_CLOCK_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * A device without an RTC boots in 1970 (or wherever its clock stopped); an NTP daemon may step the
 * clock later, either way. The module keeps one correction (offset) learned from servers' Date headers
 * and decides when the clock is "known wrong":
 *   - the corrected wall clock is before the build date (AMP_BUILD_EPOCH, from CMake), and no server's
 *     Date has told the time yet: samples then get a provisional stamp (amp_clock_stamp()) holding the
 *     monotonic clock, re-stamped by amp_clock_restamp() once the time is known;
 *   - a server's Date disagrees with the wall clock by more than AMP_CLOCK_TOLERANCE_MS: the offset is
 *     learned and every later reading is corrected by it (signing, stamping, expiry checks).
 * The kernel's "unsynchronised" flag is not used: VMs and containers report it with a good clock.
 * Stamps never go backwards: after the wall clock steps back, stamps stay 1 ms apart after the last
 * one until the clock catches up.
 */

/* Disagreement with a server's Date above which the wall clock is corrected (Date has 1 s resolution). */
#define AMP_CLOCK_TOLERANCE_MS 10000

/* Forgets every correction and stamp; the build date becomes AMP_BUILD_EPOCH again. Cannot fail. */
void amp_clock_reset(void);

/* Sets the date (ms since the epoch) before which the clock is implausible; tests use it. */
void amp_clock_set_not_before_ms(int64_t ms);

/* The corrected wall clock, ms since the epoch (port_realtime_ms() plus the learned offset). */
int64_t amp_clock_now_ms(void);

/* True when the corrected wall clock is usable for stamping samples (see above). */
bool amp_clock_trusted(void);

/*
 * True while the system's own wall clock (not corrected) is before the build date: what mbedTLS checks
 * certificate dates against is then wrong, whatever the module learned since.
 */
bool amp_clock_system_implausible(void);

/* The offset added to the wall clock, ms (0 until a server disagreed). */
int64_t amp_clock_offset_ms(void);

/*
 * A stamp for a collection made now: with a trusted clock the corrected wall clock in ms, at least 1 ms
 * after the previous stamp; otherwise a provisional stamp (negative: it encodes the monotonic clock).
 */
int64_t amp_clock_stamp(void);

/* True for a provisional stamp from amp_clock_stamp(). */
bool amp_clock_provisional(int64_t stamp);

/*
 * Turns a provisional stamp into wall-clock ms once the clock is trusted (the monotonic time it holds,
 * mapped with the wall clock of the moment the clock became trusted); real stamps are left as they are.
 * Returns 0 or AMP_ERR_RANGE (still provisional: the time is not known yet).
 */
int amp_clock_restamp(int64_t *stamp) AMP_MUST_CHECK;

/*
 * Takes the time from a server's Date header (IMF-fixdate), received when the wall clock read
 * `local_ms` (port_realtime_ms(), uncorrected). With `skew_error` (the server refused the request for
 * clock skew, as AWS does with 403 "Signature expired") the offset is always taken; otherwise only when
 * the clock disagrees by more than AMP_CLOCK_TOLERANCE_MS, and a clock that agrees again drops the
 * offset. Each change is logged once, naming `who`.
 * Returns 1 when the offset changed, 0 when not, AMP_ERR_INVALID (no or a malformed Date).
 */
int amp_clock_observe_date(const char *date, int64_t local_ms, bool skew_error, const char *who);

/*
 * Parses an RFC 3339 / ISO 8601 date-time as credential documents write it: "2026-11-26T11:16:59Z",
 * with optional fractional seconds and a "Z" or "+hh:mm"/"-hh:mm" offset, years 1970 to 9999.
 * Returns 0 or AMP_ERR_INVALID.
 */
int amp_clock_parse_iso8601(const char *text, int64_t *epoch_ms) AMP_MUST_CHECK;

/* Milliseconds since the epoch of a UTC date and time (year 1970 to 9999; fields not checked beyond that). */
int64_t amp_clock_utc_ms(int year, int month, int day, int hour, int minute, int second);

/* Writes `epoch_ms` as "2026-11-26T11:16:59Z" into out (at least 21 bytes). For log lines. */
void amp_clock_format_iso8601(int64_t epoch_ms, char *out, unsigned cap);

#endif
