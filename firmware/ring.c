/*
 * Sample ring: variable-size frames laid contiguously in one byte buffer, wrapping to 0 when the next
 * frame does not fit at the end. Frame layout (native endianness, never leaves the device):
 *   u32 bytes | u32 count | i64 timestamp_ms | u8 flags | [count id varints: first id, then gaps]
 *   | value bit stream, most significant bit first, padded to a byte
 * flags bit 0: the ids are listed; without it the frame has exactly the previous frame's series.
 * A value is coded against the series' previous value (v, s), s being the scale that makes
 * v == k / 10^s exactly (-1: none):
 *   0                      bit-identical to the previous value
 *   10 <int>               k' = k + delta, same scale        (int = zigzag in a length class)
 *   11 sss <int>           new scale sss (0..6) and k'
 *   11 111 <64 bits>       raw IEEE 754 bits (NaN, staleness markers, -0, irrational values)
 *   <int> = 00 + 6 bits | 01 + 13 bits | 10 + 24 bits | 11 + 64 bits
 * The codec state after the newest frame (head) encodes the next frame; the state before the oldest
 * (tail) starts every decode, and advances as frames are released or dropped.
 */
#include "ring.h"
#include "log.h"

#include <math.h>
#include <string.h>

#define FRAME_HEADER 17u
#define FLAG_IDS 1u
#define SCALE_MAX 6
#define SCALE_RAW 7
/* Worst case: header, 3-byte varints, and 2 + 3 + 2 + 64 bits per value. */
#define FRAME_MAX_BYTES (FRAME_HEADER + 3u * CONFIG_MAX_SERIES + (71u * CONFIG_MAX_SERIES + 7u) / 8u)

static const double pow10_table[SCALE_MAX + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};

/* Where a frame is encoded before it is copied into the ring: its size is known only then. */
static unsigned char staging[FRAME_MAX_BYTES];

static void codec_init(struct amp_ring_codec *c)
{
	memset(c, 0, sizeof(*c));
}

void amp_ring_init(struct amp_ring *r, void *storage, size_t cap)
{
	memset(r, 0, offsetof(struct amp_ring, head_state));
	r->buf = storage;
	r->cap = cap;
	codec_init(&r->head_state);
	codec_init(&r->tail_state);
}

static bool bit_get(const uint8_t *set, uint32_t id)
{
	return (set[id / 8] >> (id % 8)) & 1u;
}

static void bit_put(uint8_t *set, uint32_t id)
{
	set[id / 8] |= (uint8_t)(1u << (id % 8));
}

static uint32_t load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- bit streams ---- */

struct bit_writer {
	unsigned char *buf;
	size_t pos; /* in bits */
};

static void put_bits(struct bit_writer *w, uint64_t v, unsigned n)
{
	while (n > 0) {
		size_t byte = w->pos / 8;
		unsigned room = 8 - (unsigned)(w->pos % 8);
		unsigned take = n < room ? n : room;
		unsigned bits = (unsigned)((v >> (n - take)) & ((1u << take) - 1u));

		if (room == 8)
			w->buf[byte] = 0;
		w->buf[byte] |= (unsigned char)(bits << (room - take));
		w->pos += take;
		n -= take;
	}
}

static int get_bits(struct amp_ring_walk_frame *f, unsigned n, uint64_t *out)
{
	uint64_t v = 0;

	if (f->bit_len - f->bit_pos < n)
		return AMP_ERR_INVALID;
	while (n > 0) {
		unsigned room = 8 - (unsigned)(f->bit_pos % 8);
		unsigned take = n < room ? n : room;
		unsigned byte = f->bits[f->bit_pos / 8];

		v = (v << take) | ((byte >> (room - take)) & ((1u << take) - 1u));
		f->bit_pos += take;
		n -= take;
	}
	*out = v;
	return AMP_OK;
}

static void put_int(struct bit_writer *w, uint64_t zz)
{
	if (zz < (1u << 6)) {
		put_bits(w, 0, 2);
		put_bits(w, zz, 6);
	} else if (zz < (1u << 13)) {
		put_bits(w, 1, 2);
		put_bits(w, zz, 13);
	} else if (zz < (1u << 24)) {
		put_bits(w, 2, 2);
		put_bits(w, zz, 24);
	} else {
		put_bits(w, 3, 2);
		put_bits(w, zz, 64);
	}
}

static int get_int(struct amp_ring_walk_frame *f, uint64_t *zz)
{
	static const unsigned widths[4] = {6, 13, 24, 64};
	uint64_t cls;

	if (get_bits(f, 2, &cls) != AMP_OK)
		return AMP_ERR_INVALID;
	return get_bits(f, widths[cls], zz);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0u);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1u);
}

/* ---- values ---- */

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/*
 * llround() for |x| < 2^63, rounding halves away from zero, without libm: a dynamic agent would map all of
 * libm.so (about 300 KiB resident) for this one function. x - trunc(x) is exact in binary floating point.
 */
static int64_t round_half_away(double x)
{
	int64_t i = (int64_t)x;
	double frac = x - (double)i;

	if (frac >= 0.5)
		return i + 1;
	if (frac <= -0.5)
		return i - 1;
	return i;
}

/* The smallest scale s with v == k / 10^s exactly, |k| < 2^53; -1 when there is none. */
static int value_scale(double v, int64_t *k)
{
	for (int s = 0; s <= SCALE_MAX; s++) {
		double x = v * pow10_table[s];

		if (!(fabs(x) < 9007199254740992.0))
			return -1;
		*k = round_half_away(x);
		if (same_bits((double)*k / pow10_table[s], v))
			return s;
	}
	return -1;
}

/*
 * k of a value known to be k / 10^s (|k| < 2^53, so the product is in range): the same computation as
 * value_scale, so encoder and decoder agree.
 */
static int64_t value_k(double v, int s)
{
	return round_half_away(v * pow10_table[s]);
}

static void encode_value(struct bit_writer *w, double v, double *pv, int8_t *ps)
{
	int64_t k;
	int s;

	if (same_bits(v, *pv)) {
		put_bits(w, 0, 1);
		return;
	}
	s = value_scale(v, &k);
	if (s >= 0 && s == *ps) {
		put_bits(w, 2, 2);
		put_int(w, zigzag(k - value_k(*pv, s)));
	} else if (s >= 0) {
		put_bits(w, 3, 2);
		put_bits(w, (uint64_t)s, 3);
		put_int(w, zigzag(k));
	} else {
		uint64_t raw;

		memcpy(&raw, &v, sizeof(raw));
		put_bits(w, 3, 2);
		put_bits(w, SCALE_RAW, 3);
		put_bits(w, raw, 64);
	}
	*pv = v;
	*ps = (int8_t)s;
}

/* True for a k value_scale() can return: a frame from a file claiming more is corrupt. */
static bool k_valid(int64_t k)
{
	return k > -9007199254740992 && k < 9007199254740992;
}

static int decode_value(struct amp_ring_walk_frame *f, double *pv, int8_t *ps)
{
	uint64_t b, zz;
	int64_t k;

	if (get_bits(f, 1, &b) != AMP_OK)
		return AMP_ERR_INVALID;
	if (b == 0)
		return AMP_OK;
	if (get_bits(f, 1, &b) != AMP_OK)
		return AMP_ERR_INVALID;
	if (b == 0) {
		/* a delta taking k past what the encoder makes (|k| < 2^53) is corrupt, and must not overflow */
		if (*ps < 0 || get_int(f, &zz) != AMP_OK ||
		    __builtin_add_overflow(value_k(*pv, *ps), unzigzag(zz), &k) || !k_valid(k))
			return AMP_ERR_INVALID;
		*pv = (double)k / pow10_table[*ps];
		return AMP_OK;
	}
	if (get_bits(f, 3, &b) != AMP_OK)
		return AMP_ERR_INVALID;
	if (b == SCALE_RAW) {
		if (get_bits(f, 64, &zz) != AMP_OK)
			return AMP_ERR_INVALID;
		memcpy(pv, &zz, sizeof(*pv));
		*ps = -1;
		return AMP_OK;
	}
	if (b > SCALE_MAX || get_int(f, &zz) != AMP_OK || !k_valid(unzigzag(zz)))
		return AMP_ERR_INVALID;
	*pv = (double)unzigzag(zz) / pow10_table[b];
	*ps = (int8_t)b;
	return AMP_OK;
}

/* ---- frame placement ---- */

/* Opens frame `at` for reading: header fields, id list and value stream. */
static void frame_open(const struct amp_ring *r, size_t at, struct amp_ring_walk_frame *f, int64_t *ts,
		       uint32_t *count)
{
	const unsigned char *p = r->buf + at;
	const unsigned char *end = p + load_u32(p);
	const unsigned char *q;

	*count = load_u32(p + 4);
	memcpy(ts, p + 8, sizeof(*ts));
	memset(f, 0, sizeof(*f));
	f->explicit_ids = (p[16] & FLAG_IDS) != 0;
	q = p + FRAME_HEADER;
	if (f->explicit_ids) {
		f->ids = q;
		f->ids_left = *count;
		/* skip the varints to find the value stream */
		for (uint32_t i = 0; i < *count && q < end; q++) {
			if ((*q & 0x80u) == 0)
				i++;
		}
		f->ids_end = q;
	}
	f->bits = q;
	f->bit_len = (size_t)(end - q) * 8u;
}

/* Reads the next id of an explicit frame into next_id (absolute) and has_next. */
static int ids_step(struct amp_ring_walk_frame *f)
{
	uint32_t v = 0;
	unsigned shift = 0;

	f->has_next = false;
	if (f->ids_left == 0)
		return AMP_OK;
	for (;;) {
		unsigned char b;

		if (f->ids >= f->ids_end || shift > 21)
			return AMP_ERR_INVALID;
		b = *f->ids++;
		v |= (uint32_t)(b & 0x7fu) << shift;
		shift += 7;
		if ((b & 0x80u) == 0)
			break;
	}
	/* the first id is absolute, the others are gaps from the one before */
	if (f->started)
		v += f->next_id;
	f->started = true;
	f->ids_left--;
	if (v >= CONFIG_MAX_SERIES)
		return AMP_ERR_INVALID;
	f->next_id = (amp_series_id)v;
	f->has_next = true;
	return AMP_OK;
}

static size_t next_frame(const struct amp_ring *r, size_t at)
{
	at += load_u32(r->buf + at);
	if (r->wrapped && at == r->wrap)
		at = 0;
	return at;
}

/* Decodes the oldest frame into the tail state (it is being released or dropped). */
static void apply_oldest(struct amp_ring *r)
{
	static struct amp_frame_entry scratch[CONFIG_MAX_SERIES];
	int64_t ts;
	unsigned count;

	/* our own bytes: a failure here is a bug, and the tail state then is only as far as decoding got */
	if (amp_ring_frame_decode(&r->tail_state, r->buf + r->tail, load_u32(r->buf + r->tail), &ts, scratch, &count) !=
	    AMP_OK)
		AMP_LOG_E("ring", "frame %llu does not decode: later values may be wrong", (unsigned long long)r->tail_seq);
}

static void drop_oldest(struct amp_ring *r)
{
	uint32_t bytes = load_u32(r->buf + r->tail);
	uint32_t count = load_u32(r->buf + r->tail + 4);

	apply_oldest(r);
	r->tail += bytes;
	r->bytes -= bytes;
	r->frames--;
	r->tail_seq++;
	r->samples -= count;
	if (r->frames == 0) {
		r->head = r->tail = 0;
		r->wrapped = 0;
	} else if (r->wrapped && r->tail == r->wrap) {
		r->tail = 0;
		r->wrapped = 0;
	}
}

/* Finds room for `need` contiguous bytes, dropping the oldest frames as needed; returns the offset. */
static size_t make_room(struct amp_ring *r, size_t need)
{
	for (;;) {
		if (r->frames == 0) {
			r->head = r->tail = 0;
			r->wrapped = 0;
			return 0;
		}
		if (!r->wrapped) {
			/* free space is [head, cap), then [0, tail) */
			if (r->cap - r->head >= need)
				return r->head;
			if (r->tail >= need) {
				r->wrap = r->head;
				r->wrapped = 1;
				r->head = 0;
				return 0;
			}
		} else if (r->tail - r->head >= need) {
			return r->head;
		}
		if (r->tail_seq < r->persisted_seq) {
			r->spilled_samples += load_u32(r->buf + r->tail + 4);
		} else if (r->tail_seq >= r->sending_first && r->tail_seq < r->sending_end) {
			r->sending_dropped_frames++;
			r->sending_dropped_samples += load_u32(r->buf + r->tail + 4);
		} else {
			r->dropped_frames++;
			r->dropped_samples += load_u32(r->buf + r->tail + 4);
		}
		drop_oldest(r);
	}
}

static size_t put_varint(unsigned char *p, uint32_t v)
{
	size_t n = 0;

	while (v >= 0x80u) {
		p[n++] = (unsigned char)(v | 0x80u);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

void amp_ring_codec_init(struct amp_ring_codec *c)
{
	codec_init(c);
}

int amp_ring_frame_encode(struct amp_ring_codec *h, int64_t timestamp_ms, const struct amp_frame_entry *entries,
			  unsigned count, unsigned char *out, size_t *out_len)
{
	struct bit_writer w;
	bool same_set = count == h->count;
	uint32_t bytes32, count32 = count;
	size_t len = FRAME_HEADER;
	unsigned char flags;

	for (unsigned i = 0; i < count; i++) {
		if (entries[i].id >= CONFIG_MAX_SERIES || (i > 0 && entries[i].id <= entries[i - 1].id))
			return AMP_ERR_INVALID;
		if (!bit_get(h->present, entries[i].id))
			same_set = false;
	}
	flags = same_set ? 0 : FLAG_IDS;
	if (!same_set) {
		for (unsigned i = 0; i < count; i++)
			len += put_varint(out + len, i == 0 ? entries[0].id : (uint32_t)(entries[i].id - entries[i - 1].id));
		memset(h->present, 0, sizeof(h->present));
		for (unsigned i = 0; i < count; i++)
			bit_put(h->present, entries[i].id);
		h->count = count;
	}
	w.buf = out + len;
	w.pos = 0;
	for (unsigned i = 0; i < count; i++)
		encode_value(&w, entries[i].value, &h->value[entries[i].id], &h->scale[entries[i].id]);
	len += (w.pos + 7) / 8;
	bytes32 = (uint32_t)len;
	memcpy(out, &bytes32, 4);
	memcpy(out + 4, &count32, 4);
	memcpy(out + 8, &timestamp_ms, 8);
	out[16] = flags;
	*out_len = len;
	return AMP_OK;
}

int amp_ring_frame_decode(struct amp_ring_codec *c, const unsigned char *frame, size_t len, int64_t *timestamp_ms,
			  struct amp_frame_entry *out, unsigned *count)
{
	struct amp_ring_walk_frame f;
	const unsigned char *end = frame + len;
	const unsigned char *q;
	uint32_t n;

	*count = 0;
	if (len < FRAME_HEADER || load_u32(frame) != len)
		return AMP_ERR_INVALID;
	n = load_u32(frame + 4);
	if (n > CONFIG_MAX_SERIES)
		return AMP_ERR_INVALID;
	memcpy(timestamp_ms, frame + 8, sizeof(*timestamp_ms));
	memset(&f, 0, sizeof(f));
	f.explicit_ids = (frame[16] & FLAG_IDS) != 0;
	q = frame + FRAME_HEADER;
	if (f.explicit_ids) {
		f.ids = q;
		f.ids_left = n;
		for (uint32_t i = 0; i < n; q++) {
			if (q >= end)
				return AMP_ERR_INVALID;
			if ((*q & 0x80u) == 0)
				i++;
		}
		f.ids_end = q;
	} else if (n != c->count) {
		return AMP_ERR_INVALID;
	}
	f.bits = q;
	f.bit_len = (size_t)(end - q) * 8u;
	if (f.explicit_ids) {
		memset(c->present, 0, sizeof(c->present));
		c->count = 0;
		for (uint32_t i = 0; i < n; i++) {
			amp_series_id id;

			if (ids_step(&f) != AMP_OK || !f.has_next || (i > 0 && f.next_id <= out[i - 1].id))
				return AMP_ERR_INVALID;
			id = f.next_id;
			if (decode_value(&f, &c->value[id], &c->scale[id]) != AMP_OK)
				return AMP_ERR_INVALID;
			bit_put(c->present, id);
			c->count++;
			out[i] = (struct amp_frame_entry){id, c->value[id]};
		}
	} else {
		uint32_t i = 0;

		for (uint32_t id = 0; id < CONFIG_MAX_SERIES && i < n; id++) {
			if (!bit_get(c->present, id))
				continue;
			if (decode_value(&f, &c->value[id], &c->scale[id]) != AMP_OK)
				return AMP_ERR_INVALID;
			out[i++] = (struct amp_frame_entry){(amp_series_id)id, c->value[id]};
		}
	}
	*count = n;
	return AMP_OK;
}

const unsigned char *amp_ring_frame_at(const struct amp_ring *r, uint64_t seq, size_t *len)
{
	size_t at = r->tail;

	if (seq < r->tail_seq || seq >= r->tail_seq + r->frames)
		return NULL;
	for (uint64_t s = r->tail_seq; s < seq; s++)
		at = next_frame(r, at);
	*len = load_u32(r->buf + at);
	return r->buf + at;
}

int amp_ring_push(struct amp_ring *r, int64_t timestamp_ms, const struct amp_frame_entry *entries,
		  unsigned count)
{
	size_t at, len;
	int rc = amp_ring_frame_encode(&r->head_state, timestamp_ms, entries, count, staging, &len);

	if (rc != AMP_OK)
		return rc;
	if (len > r->cap) {
		/*
		 * The head state already moved on to a frame that will never be stored: start afresh, so
		 * that encoder and decoder agree again. Everything held is lost and counted.
		 */
		uint64_t dropped_frames = r->dropped_frames + r->frames + 1u;
		uint64_t dropped_samples = r->dropped_samples + r->samples + count;

		amp_ring_init(r, r->buf, r->cap);
		r->dropped_frames = dropped_frames;
		r->dropped_samples = dropped_samples;
		return AMP_ERR_FULL;
	}
	at = make_room(r, len);
	memcpy(r->buf + at, staging, len);
	r->head = at + len;
	r->bytes += len;
	r->frames++;
	r->samples += count;
	return AMP_OK;
}

unsigned amp_ring_frames(const struct amp_ring *r)
{
	return r->frames;
}

unsigned amp_ring_frames_within(const struct amp_ring *r, unsigned max_frames, uint64_t max_samples)
{
	size_t at = r->tail;
	uint64_t samples = 0;
	unsigned n = 0;

	while (n < r->frames && n < max_frames) {
		samples += load_u32(r->buf + at + 4);
		if (n > 0 && samples > max_samples)
			break;
		n++;
		at = next_frame(r, at);
	}
	return n;
}

int64_t amp_ring_oldest_timestamp(const struct amp_ring *r)
{
	int64_t ts;

	if (r->frames == 0)
		return 0;
	memcpy(&ts, r->buf + r->tail + 8, sizeof(ts));
	return ts;
}

bool amp_ring_head_has(const struct amp_ring *r, amp_series_id id)
{
	return id < CONFIG_MAX_SERIES && bit_get(r->head_state.present, id);
}

void amp_ring_sending(struct amp_ring *r, uint64_t first_seq, uint64_t end_seq)
{
	r->sending_first = first_seq;
	r->sending_end = end_seq;
	r->sending_dropped_frames = 0;
	r->sending_dropped_samples = 0;
}

void amp_ring_sent(struct amp_ring *r, bool accounted)
{
	if (!accounted) {
		r->dropped_frames += r->sending_dropped_frames;
		r->dropped_samples += r->sending_dropped_samples;
	}
	amp_ring_sending(r, 0, 0);
}

void amp_ring_release_before(struct amp_ring *r, uint64_t seq)
{
	while (r->frames > 0 && r->tail_seq < seq)
		drop_oldest(r);
}

int amp_ring_walk_start(struct amp_ring_walk *w, const struct amp_ring *r, unsigned frames)
{
	size_t at = r->tail;

	if (frames > r->frames || frames > CONFIG_MAX_FRAMES_PER_REQUEST)
		return AMP_ERR_INVALID;
	w->r = r;
	w->frames = frames;
	w->first_seq = r->tail_seq;
	w->tail_scan = 0;
	for (unsigned i = 0; i < frames; i++) {
		uint32_t count;

		frame_open(r, at, &w->f[i], &w->timestamp[i], &count);
		if (w->f[i].explicit_ids && ids_step(&w->f[i]) != AMP_OK)
			return AMP_ERR_INVALID;
		at = next_frame(r, at);
	}
	return AMP_OK;
}

int amp_ring_walk_next(struct amp_ring_walk *w)
{
	const struct amp_ring_codec *t = &w->r->tail_state;
	uint32_t s = CONFIG_MAX_SERIES;
	double v;
	int8_t sc;

	if (w->frames == 0)
		return 0;
	/* The next series is the smallest id any frame lists, or the tail's set when frame 0 repeats it. */
	for (unsigned i = 0; i < w->frames; i++) {
		if (w->f[i].explicit_ids && w->f[i].has_next && w->f[i].next_id < s)
			s = w->f[i].next_id;
	}
	if (!w->f[0].explicit_ids) {
		while (w->tail_scan < s && !bit_get(t->present, w->tail_scan))
			w->tail_scan++;
		if (w->tail_scan < s)
			s = w->tail_scan;
	}
	if (s == CONFIG_MAX_SERIES)
		return 0;
	w->series = (amp_series_id)s;
	w->tail_scan = s + 1;
	v = t->value[s];
	sc = t->scale[s];
	for (unsigned i = 0; i < w->frames; i++) {
		struct amp_ring_walk_frame *f = &w->f[i];

		if (f->explicit_ids)
			w->present[i] = f->has_next && f->next_id == s;
		else
			w->present[i] = i == 0 ? bit_get(t->present, s) : w->present[i - 1];
		if (!w->present[i])
			continue;
		if (decode_value(f, &v, &sc) != AMP_OK)
			return AMP_ERR_INVALID;
		w->value[i] = v;
		if (f->explicit_ids && ids_step(f) != AMP_OK)
			return AMP_ERR_INVALID;
	}
	return 1;
}
