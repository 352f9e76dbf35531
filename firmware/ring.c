/*
 * Sample ring: variable-size frames laid contiguously in one byte buffer, wrapping to 0 when the next
 * frame does not fit at the end. Frame layout (native endianness, never leaves the device):
 *   u32 bytes | u32 count | i64 timestamp_ms | count x (u16 id, f64 value)
 */
#include "ring.h"

#include <string.h>

#define FRAME_HEADER 16u
#define ENTRY_BYTES 10u

void amp_ring_init(struct amp_ring *r, void *storage, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = storage;
	r->cap = cap;
}

static uint32_t load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void drop_oldest(struct amp_ring *r)
{
	uint32_t bytes = load_u32(r->buf + r->tail);
	uint32_t count = load_u32(r->buf + r->tail + 4);

	r->tail += bytes;
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
		r->dropped_frames++;
		r->dropped_samples += load_u32(r->buf + r->tail + 4);
		drop_oldest(r);
	}
}

int amp_ring_push(struct amp_ring *r, int64_t timestamp_ms, const struct amp_frame_entry *entries,
		  unsigned count)
{
	size_t need = FRAME_HEADER + (size_t)count * ENTRY_BYTES;
	uint32_t bytes32 = (uint32_t)need;
	uint32_t count32 = count;
	unsigned char *p;
	size_t at;

	if (need > r->cap)
		return AMP_ERR_FULL;
	for (unsigned i = 1; i < count; i++) {
		if (entries[i].id <= entries[i - 1].id)
			return AMP_ERR_INVALID;
	}
	at = make_room(r, need);
	p = r->buf + at;
	memcpy(p, &bytes32, 4);
	memcpy(p + 4, &count32, 4);
	memcpy(p + 8, &timestamp_ms, 8);
	p += FRAME_HEADER;
	for (unsigned i = 0; i < count; i++) {
		memcpy(p, &entries[i].id, 2);
		memcpy(p + 2, &entries[i].value, 8);
		p += ENTRY_BYTES;
	}
	r->head = at + need;
	r->frames++;
	r->samples += count;
	return AMP_OK;
}

unsigned amp_ring_frames(const struct amp_ring *r)
{
	return r->frames;
}

int amp_ring_get(const struct amp_ring *r, unsigned index, size_t *pos, struct amp_frame *out)
{
	size_t at = index == 0 ? r->tail : *pos;

	if (index >= r->frames)
		return AMP_ERR_NOTFOUND;
	if (r->wrapped && at == r->wrap)
		at = 0;
	out->seq = r->tail_seq + index;
	out->count = load_u32(r->buf + at + 4);
	memcpy(&out->timestamp_ms, r->buf + at + 8, 8);
	out->data = r->buf + at + FRAME_HEADER;
	*pos = at + load_u32(r->buf + at);
	return AMP_OK;
}

void amp_ring_release_before(struct amp_ring *r, uint64_t seq)
{
	while (r->frames > 0 && r->tail_seq < seq)
		drop_oldest(r);
}

void amp_frame_reader_init(struct amp_frame_reader *rd, const struct amp_frame *f)
{
	rd->frame = *f;
	rd->next = 0;
}

int amp_frame_reader_next(struct amp_frame_reader *rd, amp_series_id *id, double *value)
{
	const unsigned char *p;

	if (rd->next >= rd->frame.count)
		return AMP_ERR_NOTFOUND;
	p = rd->frame.data + (size_t)rd->next * ENTRY_BYTES;
	memcpy(id, p, 2);
	memcpy(value, p + 2, 8);
	rd->next++;
	return AMP_OK;
}
