/*
 * Spool files on flash. A file is "<dir>/<16 hex digits>.spool", numbered in writing order; a run of the
 * agent (an epoch, numbered by its first file) writes one or more. Records:
 *   u32 payload length | u32 CRC-32 of the payload | payload (type byte first)
 *   1 HEADER  "AMPSPOOL" | u32 version | u64 epoch
 *   2 LABELS  u16 count | count x (name NUL value NUL)        the agent's labels when collected
 *   3 SERIES  u16 id | u8 type | name NUL | help NUL | u8 n | n x (name NUL value NUL)
 *   4 FRAME   u64 ring seq | a frame in the ring's coding, against the file's own codec state from empty
 * A torn tail (a power cut mid-append) fails its CRC or its length and ends the file there. Unknown record
 * types are skipped, so a newer agent's additions do not stop an older reader; a newer agent reads every
 * older version. The "ack" file holds (epoch, seq) records: frames before that position were delivered.
 */
#include "spool.h"
#include "log.h"
#include "port.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MOD "spool"
#define REC_HEADER 1u
#define REC_LABELS 2u
#define REC_SERIES 3u
#define REC_FRAME 4u
#define REC_OVERHEAD 8u
#define RECORD_MAX (AMP_RING_FRAME_MAX_BYTES + 16u)
/* Writes go out in one append per interval: as much as this buffer holds (the rest waits for the next). */
#define WRITE_BUF_BYTES (RECORD_MAX * 2u + 16384u)
#define ACK_RECORD_BYTES 24u
#define ACK_ROTATE_BYTES 4096u
#define MIN_SEGMENT_BYTES (64u * 1024u)

struct spool_file {
	uint64_t number;
	uint64_t epoch;
	uint64_t size;
	uint64_t last_seq;      /* largest frame seq in it (valid when frames > 0) */
	uint64_t samples;
	uint32_t frames;
	bool foreign;           /* not ours to read (a newer version, or not a spool file): left alone */
};

static struct {
	bool enabled;
	char dir[CONFIG_MAX_PATH_LEN];
	uint64_t max_bytes;
	uint64_t segment_bytes;
	struct spool_file files[AMP_SPOOL_MAX_FILES];
	unsigned file_count;
	uint64_t epoch;
	struct amp_spool_pos ack;      /* delivered before this */
	uint64_t ack_file_bytes;
	/* the writer */
	bool writing;                  /* files[file_count - 1] is this run's open file */
	struct amp_ring_codec file_codec;
	uint8_t defined[AMP_RING_PRESENT_BYTES];
	uint64_t next_seq;             /* next live ring frame to spool */
	uint64_t durable_seq;          /* frames before this are on flash (fsynced) */
	uint32_t pending_frames;       /* in write_buf, for the open file */
	uint64_t pending_samples;
	uint64_t pending_last_seq;
	struct amp_ring_codec cursor;  /* the live ring's codec state before frame cursor_seq */
	uint64_t cursor_seq;
	bool cursor_valid;
	/* the replay reader */
	unsigned replay_file;          /* index into files[] */
	uint64_t replay_offset;
	bool replay_open;
	struct amp_ring_codec replay_codec;
	uint64_t replay_fifo[CONFIG_MAX_FRAMES_PER_REQUEST * 4];
	unsigned fifo_len;
	uint64_t fifo_first_ring_seq;
	struct amp_family replay_families[CONFIG_MAX_FAMILIES];
	char replay_strings[CONFIG_LABEL_ARENA_BYTES];
	size_t replay_strings_used;
	uint16_t replay_id_map[CONFIG_MAX_SERIES]; /* spooled id -> replay registry id + 1 */
	struct amp_spool_stats stats;
} sp;

static struct amp_spool_replay replay;
static unsigned char replay_storage[CONFIG_SPOOL_REPLAY_BYTES];
static unsigned char write_buf[WRITE_BUF_BYTES];
static size_t write_len;
static unsigned char rec_buf[RECORD_MAX];
static unsigned char frame_buf[AMP_RING_FRAME_MAX_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];

static int path_of(char *out, size_t cap, uint64_t number)
{
	int n = snprintf(out, cap, "%s/%016llx.spool", sp.dir, (unsigned long long)number);

	return n > 0 && (size_t)n < cap ? AMP_OK : AMP_ERR_FULL;
}

static bool pos_before(struct amp_spool_pos a, struct amp_spool_pos b)
{
	return a.epoch < b.epoch || (a.epoch == b.epoch && a.seq < b.seq);
}

/* ---- reading records ---- */

/* Reads the record at *offset of file `path` into rec_buf; 1 with *len, 0 at a clean end, <0 at a torn or bad one. */
static int read_record(const char *path, uint64_t *offset, size_t *len)
{
	unsigned char head[REC_OVERHEAD];
	uint32_t plen, crc;
	size_t got;

	if (port_file_read_at(path, *offset, head, sizeof(head), &got) != AMP_OK)
		return AMP_ERR_IO;
	if (got == 0)
		return 0;
	if (got < sizeof(head))
		return AMP_ERR_INVALID;
	memcpy(&plen, head, 4);
	memcpy(&crc, head + 4, 4);
	if (plen == 0 || plen > sizeof(rec_buf))
		return AMP_ERR_INVALID;
	if (port_file_read_at(path, *offset + REC_OVERHEAD, rec_buf, plen, &got) != AMP_OK || got != plen)
		return AMP_ERR_INVALID;
	if (amp_spool_crc32(rec_buf, plen) != crc)
		return AMP_ERR_INVALID;
	*offset += REC_OVERHEAD + plen;
	*len = plen;
	return 1;
}

static int parse_header(size_t len, uint64_t *epoch)
{
	uint32_t version;

	if (len != 1 + 8 + 4 + 8 || rec_buf[0] != REC_HEADER || memcmp(rec_buf + 1, "AMPSPOOL", 8) != 0)
		return AMP_ERR_INVALID;
	memcpy(&version, rec_buf + 9, 4);
	if (version == 0 || version > AMP_SPOOL_VERSION)
		return AMP_ERR_INVALID;
	memcpy(epoch, rec_buf + 13, 8);
	return AMP_OK;
}

/* Reads a whole file to learn its epoch, frames, last seq and samples (at start-up only). */
static void scan_file(struct spool_file *f)
{
	char path[CONFIG_MAX_PATH_LEN + 32];
	uint64_t off = 0;
	size_t len;
	int rc;

	if (path_of(path, sizeof(path), f->number) != AMP_OK)
		return;
	if (read_record(path, &off, &len) != 1 || parse_header(len, &f->epoch) != AMP_OK) {
		AMP_LOG_W(MOD, "%s: not a spool file (or a newer version's); left alone", path);
		f->epoch = 0;
		f->foreign = true;
		return;
	}
	while ((rc = read_record(path, &off, &len)) == 1) {
		if (rec_buf[0] == REC_FRAME && len >= 1 + 8 + 17) {
			uint32_t count;

			memcpy(&f->last_seq, rec_buf + 1, 8);
			memcpy(&count, rec_buf + 1 + 8 + 4, 4);
			f->samples += count;
			f->frames++;
		}
	}
	if (rc < 0)
		AMP_LOG_W(MOD, "%s: torn or corrupt record at byte %llu (a power cut while writing?): the rest is skipped",
			  path, (unsigned long long)off);
	f->size = off;
}

/* ---- the ack ---- */

static void ack_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", sp.dir, name);
}

static void ack_load(void)
{
	char path[CONFIG_MAX_PATH_LEN + 16];
	unsigned char rec[ACK_RECORD_BYTES];
	uint64_t off = 0;
	size_t got;

	ack_path(path, sizeof(path), "ack");
	while (port_file_read_at(path, off, rec, sizeof(rec), &got) == AMP_OK && got == sizeof(rec)) {
		uint32_t crc;

		memcpy(&crc, rec, 4);
		if (crc != amp_spool_crc32(rec + 8, 16))
			break; /* torn: the last good one stands */
		memcpy(&sp.ack.epoch, rec + 8, 8);
		memcpy(&sp.ack.seq, rec + 16, 8);
		off += sizeof(rec);
	}
	sp.ack_file_bytes = off;
}

static void ack_store(struct amp_spool_pos pos)
{
	char path[CONFIG_MAX_PATH_LEN + 16];
	unsigned char rec[ACK_RECORD_BYTES] = {0};
	uint32_t crc;

	if (!pos_before(sp.ack, pos))
		return;
	sp.ack = pos;
	memcpy(rec + 8, &pos.epoch, 8);
	memcpy(rec + 16, &pos.seq, 8);
	crc = amp_spool_crc32(rec + 8, 16);
	memcpy(rec, &crc, 4);
	ack_path(path, sizeof(path), "ack");
	if (sp.ack_file_bytes >= ACK_ROTATE_BYTES) {
		char tmp[CONFIG_MAX_PATH_LEN + 16];

		/* a fresh one-record file renamed over the old: the position is never absent */
		ack_path(tmp, sizeof(tmp), "ack.new");
		(void)port_file_remove(tmp);
		if (port_file_append(tmp, rec, sizeof(rec), 1) == AMP_OK && port_file_rename(tmp, path) == AMP_OK) {
			sp.ack_file_bytes = sizeof(rec);
			return;
		}
	}
	if (port_file_append(path, rec, sizeof(rec), 1) != AMP_OK) {
		sp.stats.write_errors++;
		AMP_LOG_W(MOD, "%s: cannot record the delivered position", path);
		return;
	}
	sp.ack_file_bytes += sizeof(rec);
}

/* Deletes the files wholly before the ack. */
static void delete_delivered(void)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < sp.file_count; i++) {
		struct spool_file *f = &sp.files[i];
		bool open_writer = sp.writing && i == sp.file_count - 1;
		struct amp_spool_pos last = {f->epoch, f->last_seq};
		bool delivered = !f->foreign && (f->frames > 0 ? pos_before(last, sp.ack) : !open_writer);

		/* the open file goes too once all it holds is delivered: the next outage starts a new one */
		if (delivered && (!sp.replay_open || i != sp.replay_file)) {
			char path[CONFIG_MAX_PATH_LEN + 32];

			if (open_writer)
				sp.writing = false;
			if (path_of(path, sizeof(path), f->number) == AMP_OK)
				(void)port_file_remove(path);
			if (sp.replay_file > keep && i < sp.replay_file)
				sp.replay_file--;
			continue;
		}
		sp.files[keep++] = *f;
	}
	sp.file_count = keep;
}

/* ---- opening ---- */

/*
 * The number of a spool file's name, exactly as spool_path() writes it (16 lower-case hex digits and
 * ".spool"); false for any other name. (Not sscanf: it takes signs, spaces and "0x", and pulls glibc's
 * whole scanf into a static binary.)
 */
static bool spool_name_number(const char *name, uint64_t *number)
{
	uint64_t n = 0;

	if (strlen(name) != 22 || strcmp(name + 16, ".spool") != 0)
		return false;
	for (int i = 0; i < 16; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			n = n << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			n = n << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*number = n;
	return true;
}

static int list_entry(void *ctx, const char *name, int is_dir)
{
	uint64_t number;

	(void)ctx;
	if (is_dir || !spool_name_number(name, &number))
		return 0;
	if (sp.file_count == AMP_SPOOL_MAX_FILES) {
		AMP_LOG_W(MOD, "%s: more than %d spool files; %s ignored", sp.dir, AMP_SPOOL_MAX_FILES, name);
		return 0;
	}
	sp.files[sp.file_count++] = (struct spool_file){.number = number};
	return 0;
}

int amp_spool_open(const char *dir, uint64_t max_bytes)
{
	uint64_t next = 1;
	int rc;

	memset(&sp, 0, sizeof(sp));
	amp_ring_init(&replay.ring, replay_storage, sizeof(replay_storage));
	if (strlen(dir) >= sizeof(sp.dir))
		return AMP_ERR_FULL;
	strcpy(sp.dir, dir);
	sp.max_bytes = max_bytes;
	sp.segment_bytes = max_bytes / 8 > MIN_SEGMENT_BYTES ? max_bytes / 8 : MIN_SEGMENT_BYTES;
	rc = port_mkdir(dir);
	if (rc == AMP_OK)
		rc = port_dir_list(dir, list_entry, NULL);
	if (rc != AMP_OK) {
		AMP_LOG_E(MOD, "%s: cannot use the spool directory (%s); running without a spool", dir, amp_strerror(rc));
		return rc;
	}
	/* in number order (insertion sort: a few files) */
	for (unsigned i = 1; i < sp.file_count; i++) {
		struct spool_file f = sp.files[i];
		unsigned j = i;

		for (; j > 0 && sp.files[j - 1].number > f.number; j--)
			sp.files[j] = sp.files[j - 1];
		sp.files[j] = f;
	}
	for (unsigned i = 0; i < sp.file_count; i++) {
		scan_file(&sp.files[i]);
		if (sp.files[i].number >= next)
			next = sp.files[i].number + 1;
	}
	ack_load();
	/* this run's files are numbered from here on; above the ack's run too, even when its files are gone */
	if (sp.ack.epoch >= next)
		next = sp.ack.epoch + 1;
	sp.epoch = next;
	sp.enabled = true;
	delete_delivered();
	{
		unsigned ours = 0;

		for (unsigned i = 0; i < sp.file_count; i++)
			ours += !sp.files[i].foreign && sp.files[i].frames > 0;
		if (ours > 0)
			AMP_LOG_I(MOD, "%s: %u files from earlier runs to replay", dir, ours);
	}
	return AMP_OK;
}

void amp_spool_rotate(void)
{
	sp.writing = false;
}

uint64_t amp_spool_persisted_seq(void)
{
	return sp.durable_seq;
}

bool amp_spool_compiled(void)
{
	return true;
}

struct amp_spool_replay *amp_spool_replay_context(void)
{
	return &replay;
}

bool amp_spool_enabled(void)
{
	return sp.enabled;
}

const struct amp_spool_stats *amp_spool_stats(void)
{
	return &sp.stats;
}

/* ---- writing ---- */

/* Appends a record to write_buf; false when it does not fit (the caller flushes first). */
static bool put_record(const unsigned char *payload, size_t len)
{
	uint32_t plen = (uint32_t)len, crc = amp_spool_crc32(payload, len);

	if (write_len + REC_OVERHEAD + len > sizeof(write_buf))
		return false;
	memcpy(write_buf + write_len, &plen, 4);
	memcpy(write_buf + write_len + 4, &crc, 4);
	memcpy(write_buf + write_len + REC_OVERHEAD, payload, len);
	write_len += REC_OVERHEAD + len;
	return true;
}

static size_t put_str(unsigned char *p, size_t at, size_t cap, const char *s)
{
	size_t n = strlen(s) + 1;

	if (at + n > cap)
		return cap + 1;
	memcpy(p + at, s, n);
	return at + n;
}

static bool put_file_start(const struct amp_labels_common *labels)
{
	uint32_t version = AMP_SPOOL_VERSION;
	uint16_t count = (uint16_t)labels->count;
	size_t n = 0;

	rec_buf[n++] = REC_HEADER;
	memcpy(rec_buf + n, "AMPSPOOL", 8);
	n += 8;
	memcpy(rec_buf + n, &version, 4);
	n += 4;
	memcpy(rec_buf + n, &sp.epoch, 8);
	n += 8;
	if (!put_record(rec_buf, n))
		return false;
	n = 0;
	rec_buf[n++] = REC_LABELS;
	memcpy(rec_buf + n, &count, 2);
	n += 2;
	for (unsigned i = 0; i < labels->count; i++) {
		n = put_str(rec_buf, n, sizeof(rec_buf), labels->items[i].name);
		n = put_str(rec_buf, n, sizeof(rec_buf), labels->items[i].value);
	}
	return n <= sizeof(rec_buf) && put_record(rec_buf, n);
}

static bool put_series(const struct amp_registry *reg, amp_series_id id)
{
	const struct amp_family *fam = amp_registry_family(reg, id);
	struct amp_label l;
	unsigned cursor = 0;
	size_t n = 0, count_at;
	uint8_t labels = 0;

	rec_buf[n++] = REC_SERIES;
	memcpy(rec_buf + n, &id, 2);
	n += 2;
	rec_buf[n++] = (unsigned char)fam->type;
	n = put_str(rec_buf, n, sizeof(rec_buf), fam->name);
	n = put_str(rec_buf, n, sizeof(rec_buf), fam->help);
	count_at = n++;
	while (n <= sizeof(rec_buf) && amp_registry_label_next(reg, id, &cursor, &l) == AMP_OK) {
		n = put_str(rec_buf, n, sizeof(rec_buf), l.name);
		n = put_str(rec_buf, n, sizeof(rec_buf), l.value);
		labels++;
	}
	if (n > sizeof(rec_buf))
		return false;
	rec_buf[count_at] = labels;
	return put_record(rec_buf, n);
}

/* Makes room under spool_max_bytes by deleting the oldest files (their samples counted as dropped). */
static void enforce_max(uint64_t incoming)
{
	uint64_t total = incoming;

	for (unsigned i = 0; i < sp.file_count; i++)
		total += sp.files[i].size;
	while (total > sp.max_bytes && sp.file_count > (sp.writing ? 1u : 0u)) {
		char path[CONFIG_MAX_PATH_LEN + 32];
		struct spool_file *f = &sp.files[0];

		AMP_LOG_W(MOD, "spool_max_bytes reached: the oldest spool file (%llu samples) is deleted",
			  (unsigned long long)f->samples);
		sp.stats.samples_dropped += f->samples;
		total -= f->size;
		if (path_of(path, sizeof(path), f->number) == AMP_OK)
			(void)port_file_remove(path);
		memmove(&sp.files[0], &sp.files[1], (sp.file_count - 1) * sizeof(sp.files[0]));
		sp.file_count--;
		if (sp.replay_open) {
			if (sp.replay_file == 0)
				sp.replay_open = false;
			else
				sp.replay_file--;
		}
	}
}

/*
 * Appends write_buf to the open file with one fsync. Only then do its frames count as spooled; after a
 * failure they are not, and the next write starts a new file (the failed one's codec state is unknown).
 */
static int flush_writes(void)
{
	struct spool_file *f;
	char path[CONFIG_MAX_PATH_LEN + 32];
	size_t len = write_len;
	int rc;

	if (len == 0)
		return AMP_OK;
	enforce_max(len);
	f = &sp.files[sp.file_count - 1];
	rc = path_of(path, sizeof(path), f->number);
	if (rc == AMP_OK)
		rc = port_file_append(path, write_buf, len, 1);
	write_len = 0;
	if (rc != AMP_OK) {
		static uint64_t last_log_ms;
		uint64_t now = port_monotonic_ms();

		sp.stats.write_errors++;
		if (last_log_ms == 0 || now - last_log_ms >= 600000u) {
			AMP_LOG_E(MOD, "%s: cannot append (%s): samples stay in RAM only", path,
				  rc == AMP_ERR_FULL ? "no space left" : amp_strerror(rc));
			last_log_ms = now;
		}
		sp.next_seq = sp.durable_seq;
		sp.cursor_valid = false;
		sp.writing = false;
		sp.pending_frames = 0;
		sp.pending_samples = 0;
		return rc;
	}
	f->size += len;
	if (sp.pending_frames > 0) {
		f->frames += sp.pending_frames;
		f->samples += sp.pending_samples;
		f->last_seq = sp.pending_last_seq;
	}
	sp.pending_frames = 0;
	sp.pending_samples = 0;
	sp.durable_seq = sp.next_seq;
	sp.stats.bytes_written += len;
	return AMP_OK;
}

/* Opens a new file for this run (the first, or after the current one reached its segment size). */
static bool start_file(const struct amp_labels_common *labels)
{
	uint64_t number = sp.file_count > 0 ? sp.files[sp.file_count - 1].number + 1 : sp.epoch;

	if (number < sp.epoch)
		number = sp.epoch;
	if (sp.file_count == AMP_SPOOL_MAX_FILES)
		enforce_max(UINT64_MAX / 2); /* drop the oldest to make a slot */
	if (sp.file_count == AMP_SPOOL_MAX_FILES)
		return false;
	sp.files[sp.file_count++] = (struct spool_file){.number = number, .epoch = sp.epoch};
	sp.writing = true;
	amp_ring_codec_init(&sp.file_codec);
	memset(sp.defined, 0, sizeof(sp.defined));
	return put_file_start(labels);
}

int amp_spool_write(const struct amp_ring *ring, const struct amp_registry *reg, const struct amp_labels_common *labels)
{
	uint64_t end = ring->tail_seq + ring->frames;
	int rc = AMP_OK;

	if (!sp.enabled)
		return AMP_OK;
	/* frames pushed out of the ring before they were spooled are lost (the ring counted them) */
	if (sp.next_seq < ring->tail_seq)
		sp.durable_seq = sp.next_seq = ring->tail_seq;
	if (!sp.cursor_valid || sp.cursor_seq < ring->tail_seq || sp.cursor_seq > sp.next_seq) {
		sp.cursor = ring->tail_state;
		sp.cursor_seq = ring->tail_seq;
		sp.cursor_valid = true;
	}
	while (sp.next_seq < end) {
		size_t len, flen;
		int64_t ts;
		unsigned count;

		/* decode the live frame (the cursor walks the frames before it too) */
		do {
			const unsigned char *bytes = amp_ring_frame_at(ring, sp.cursor_seq, &len);

			if (bytes == NULL || amp_ring_frame_decode(&sp.cursor, bytes, len, &ts, entries, &count) != AMP_OK) {
				sp.cursor_valid = false;
				return flush_writes() == AMP_OK ? AMP_ERR_INVALID : AMP_ERR_IO;
			}
			sp.cursor_seq++;
		} while (sp.cursor_seq <= sp.next_seq);
		if (!sp.writing || sp.files[sp.file_count - 1].size + write_len >= sp.segment_bytes) {
			if ((rc = flush_writes()) != AMP_OK)
				return rc;
			if (!start_file(labels))
				return AMP_ERR_FULL;
		}
		for (unsigned i = 0; i < count; i++) {
			amp_series_id id = entries[i].id;

			if ((sp.defined[id / 8] >> (id % 8)) & 1u)
				continue;
			if (!put_series(reg, id)) {
				if ((rc = flush_writes()) != AMP_OK || !put_series(reg, id))
					return rc != AMP_OK ? rc : AMP_ERR_FULL;
			}
			sp.defined[id / 8] |= (uint8_t)(1u << (id % 8));
		}
		rec_buf[0] = REC_FRAME;
		memcpy(rec_buf + 1, &sp.next_seq, 8);
		if (amp_ring_frame_encode(&sp.file_codec, ts, entries, count, rec_buf + 9, &flen) != AMP_OK)
			return AMP_ERR_INVALID;
		if (!put_record(rec_buf, 9 + flen)) {
			if ((rc = flush_writes()) != AMP_OK || !put_record(rec_buf, 9 + flen))
				return rc != AMP_OK ? rc : AMP_ERR_FULL;
		}
		sp.pending_last_seq = sp.next_seq;
		sp.pending_frames++;
		sp.pending_samples += count;
		sp.stats.frames_written++;
		sp.next_seq++;
	}
	return flush_writes();
}

/* ---- replaying ---- */

/* The next NUL-terminated string of a record, in place (valid while rec_buf holds the record). */
static const char *record_str(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *nul = memchr(*p, 0, (size_t)(end - *p));
	const char *s = (const char *)*p;

	if (nul == NULL)
		return NULL;
	*p = nul + 1;
	return s;
}

/* A copy that lives as long as the replayed file (family names and help, the file's labels). */
static const char *replay_keep(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy;

	if (sp.replay_strings_used + n > sizeof(sp.replay_strings))
		return NULL;
	copy = memcpy(sp.replay_strings + sp.replay_strings_used, s, n);
	sp.replay_strings_used += n;
	return copy;
}

static int replay_labels(struct amp_spool_replay *r, size_t len)
{
	struct amp_label items[CONFIG_MAX_EXTRA_LABELS + 2];
	const unsigned char *p = rec_buf + 3, *end = rec_buf + len;
	uint16_t count;
	const char *instance = "", *job = "";
	unsigned extra = 0;

	if (len < 3)
		return AMP_ERR_INVALID;
	memcpy(&count, rec_buf + 1, 2);
	for (unsigned i = 0; i < count; i++) {
		const char *name = record_str(&p, end);
		const char *value = name ? record_str(&p, end) : NULL;

		if (value == NULL || (name = replay_keep(name)) == NULL || (value = replay_keep(value)) == NULL)
			return AMP_ERR_INVALID;
		if (strcmp(name, "instance") == 0)
			instance = value;
		else if (strcmp(name, "job") == 0)
			job = value;
		else if (extra < CONFIG_MAX_EXTRA_LABELS)
			items[extra++] = (struct amp_label){name, value};
	}
	return amp_labels_common_init(&r->common, instance, job, items, extra);
}

static int replay_series(struct amp_spool_replay *r, size_t len)
{
	struct amp_label labels[CONFIG_MAX_SERIES_LABELS];
	const unsigned char *p = rec_buf + 4, *end = rec_buf + len;
	struct amp_family *fam = NULL;
	const char *name, *help;
	amp_series_id id, mapped;
	unsigned n;

	if (len < 5)
		return AMP_ERR_INVALID;
	memcpy(&id, rec_buf + 1, 2);
	name = record_str(&p, end);
	help = name ? record_str(&p, end) : NULL;
	if (help == NULL || p >= end || id >= CONFIG_MAX_SERIES)
		return AMP_ERR_INVALID;
	n = *p++;
	if (n > CONFIG_MAX_SERIES_LABELS)
		return AMP_ERR_INVALID;
	/* label strings stay in the record: the registry copies them into its own arena */
	for (unsigned i = 0; i < n; i++) {
		labels[i].name = record_str(&p, end);
		labels[i].value = labels[i].name ? record_str(&p, end) : NULL;
		if (labels[i].value == NULL)
			return AMP_ERR_INVALID;
	}
	for (unsigned i = 0; i < r->reg.family_count; i++) {
		if (strcmp(r->reg.families[i]->name, name) == 0)
			fam = &sp.replay_families[i];
	}
	if (fam == NULL) {
		/* a family's name and help are kept once, however many of its series the file names */
		if (r->reg.family_count >= CONFIG_MAX_FAMILIES || (name = replay_keep(name)) == NULL ||
		    (help = replay_keep(help)) == NULL)
			return AMP_ERR_FULL;
		fam = &sp.replay_families[r->reg.family_count];
		*fam = (struct amp_family){name, help, rec_buf[3] <= AMP_METRIC_UNTYPED ? (enum amp_metric_type)rec_buf[3]
											: AMP_METRIC_UNTYPED};
	}
	if (amp_registry_intern(&r->reg, fam, labels, n, &mapped) != AMP_OK)
		return AMP_ERR_INVALID;
	sp.replay_id_map[id] = (uint16_t)(mapped + 1);
	return AMP_OK;
}

/* Starts replaying files[i]: a fresh registry, labels and codec for its records. */
static int replay_open(struct amp_spool_replay *r, unsigned i)
{
	char path[CONFIG_MAX_PATH_LEN + 32];
	size_t len;
	uint64_t epoch;

	sp.replay_file = i;
	sp.replay_offset = 0;
	sp.replay_open = true;
	sp.replay_strings_used = 0;
	memset(sp.replay_id_map, 0, sizeof(sp.replay_id_map));
	amp_registry_init(&r->reg);
	r->common.count = 0; /* until the file's LABELS record */
	amp_ring_codec_init(&sp.replay_codec);
	r->epoch = sp.files[i].epoch;
	if (path_of(path, sizeof(path), sp.files[i].number) != AMP_OK ||
	    read_record(path, &sp.replay_offset, &len) != 1 || parse_header(len, &epoch) != AMP_OK)
		return AMP_ERR_INVALID;
	return AMP_OK;
}

int amp_spool_replay_fill(struct amp_spool_replay *r, uint64_t live_tail_seq)
{
	char path[CONFIG_MAX_PATH_LEN + 32];
	int loaded = 0;

	if (!sp.enabled)
		return 0;
	for (;;) {
		struct spool_file *f;
		size_t len;

		/* the replay ring must drain before another file (another registry) can start */
		if (!sp.replay_open) {
			unsigned next = 0;

			if (amp_ring_frames(&r->ring) > 0)
				return loaded;
			while (next < sp.file_count && sp.files[next].frames == 0)
				next++;
			if (next >= sp.file_count)
				return loaded;
			f = &sp.files[next];
			/* this run's newest frames are still in the live ring: nothing to replay from its files yet */
			if (f->epoch == sp.epoch && sp.ack.epoch == sp.epoch && sp.ack.seq >= live_tail_seq)
				return loaded;
			if (replay_open(r, next) != AMP_OK) {
				AMP_LOG_W(MOD, "spool file %016llx unreadable: skipped", (unsigned long long)f->number);
				f->frames = 0;
				sp.replay_open = false;
				delete_delivered();
				continue;
			}
		}
		f = &sp.files[sp.replay_file];
		if (path_of(path, sizeof(path), f->number) != AMP_OK)
			return loaded;
		if (sp.fifo_len == sizeof(sp.replay_fifo) / sizeof(sp.replay_fifo[0]))
			return loaded;
		{
			uint64_t before = sp.replay_offset;
			int rc = read_record(path, &sp.replay_offset, &len);

			if (rc <= 0) {
				/* end of the file (or its torn tail): done once what was loaded is delivered */
				if (rc < 0)
					AMP_LOG_W(MOD, "%s: stops at a torn record at byte %llu", path, (unsigned long long)before);
				if (f->epoch == sp.epoch && sp.writing && sp.replay_file == sp.file_count - 1)
					sp.replay_offset = before; /* this run's open file grows: read on later */
				else
					sp.replay_open = false;
				return loaded;
			}
			if (rec_buf[0] == REC_LABELS) {
				if (replay_labels(r, len) != AMP_OK)
					AMP_LOG_W(MOD, "%s: bad labels record", path);
			} else if (rec_buf[0] == REC_SERIES) {
				if (replay_series(r, len) != AMP_OK)
					AMP_LOG_W(MOD, "%s: bad series record", path);
			} else if (rec_buf[0] == REC_FRAME && len > 9) {
				struct amp_spool_pos pos;
				int64_t ts;
				unsigned count, kept = 0;

				pos.epoch = f->epoch;
				memcpy(&pos.seq, rec_buf + 1, 8);
				/* still in the live ring: replay stops here (before decoding, so the codec stays right) */
				if (pos.epoch == sp.epoch && pos.seq >= live_tail_seq) {
					sp.replay_open = false;
					return loaded;
				}
				memcpy(frame_buf, rec_buf + 9, len - 9);
				if (amp_ring_frame_decode(&sp.replay_codec, frame_buf, len - 9, &ts, entries, &count) != AMP_OK) {
					AMP_LOG_W(MOD, "%s: frame %llu does not decode: the rest of the file is skipped", path,
						  (unsigned long long)pos.seq);
					sp.replay_open = false;
					return loaded;
				}
				/* already delivered: decoded only to keep the codec in step */
				if (pos_before(pos, sp.ack))
					continue;
				for (unsigned k = 0; k < count; k++) {
					uint16_t m = sp.replay_id_map[entries[k].id];

					if (m != 0)
						entries[kept++] = (struct amp_frame_entry){(amp_series_id)(m - 1), entries[k].value};
				}
				/* ids mapped in spooled order stay ascending only if interned in order: sort to be safe */
				for (unsigned a = 1; a < kept; a++) {
					struct amp_frame_entry e = entries[a];
					unsigned b = a;

					for (; b > 0 && entries[b - 1].id > e.id; b--)
						entries[b] = entries[b - 1];
					entries[b] = e;
				}
				if (amp_ring_push(&r->ring, ts, entries, kept) != AMP_OK)
					continue;
				if (sp.fifo_len == 0)
					sp.fifo_first_ring_seq = r->ring.tail_seq + amp_ring_frames(&r->ring) - 1;
				sp.replay_fifo[sp.fifo_len++] = pos.seq;
				sp.stats.frames_replayed++;
				loaded++;
			}
		}
	}
}

void amp_spool_replay_delivered(struct amp_spool_replay *r, uint64_t ring_seq)
{
	unsigned n;
	struct amp_spool_pos pos;

	if (!sp.enabled || sp.fifo_len == 0 || ring_seq <= sp.fifo_first_ring_seq)
		return;
	n = (unsigned)(ring_seq - sp.fifo_first_ring_seq);
	if (n > sp.fifo_len)
		n = sp.fifo_len;
	pos.epoch = r->epoch;
	pos.seq = sp.replay_fifo[n - 1] + 1;
	memmove(sp.replay_fifo, sp.replay_fifo + n, (sp.fifo_len - n) * sizeof(sp.replay_fifo[0]));
	sp.fifo_len -= n;
	sp.fifo_first_ring_seq += n;
	ack_store(pos);
	delete_delivered();
}

void amp_spool_live_delivered(uint64_t seq)
{
	struct amp_spool_pos pos = {0, seq};

	if (!sp.enabled)
		return;
	pos.epoch = sp.epoch;
	/* only worth a write when this run spooled frames that are now delivered */
	if (sp.file_count == 0 || sp.files[sp.file_count - 1].epoch != sp.epoch || sp.files[sp.file_count - 1].frames == 0)
		return;
	ack_store(pos);
	delete_delivered();
	if (sp.file_count == 0 || sp.files[sp.file_count - 1].epoch != sp.epoch)
		sp.writing = false;
}
