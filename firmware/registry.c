/* Series registry: interns (family, sorted labels) into small ids with a fixed table, index and arena. */
#include "registry.h"

#include <stdbool.h>
#include <string.h>

#define INDEX_SLOTS (2u * CONFIG_MAX_SERIES)

void amp_registry_init(struct amp_registry *reg)
{
	reg->family_count = 0;
	reg->series_count = 0;
	reg->arena_used = 0;
	reg->copy_count = 0;
	memset(reg->index, 0, sizeof(reg->index));
}

int amp_registry_valid_name(const char *name, int allow_colon)
{
	if (name == NULL || name[0] == '\0')
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');

		if (!alpha && !(p != name && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int family_index(struct amp_registry *reg, const struct amp_family *fam, uint16_t *out)
{
	for (unsigned i = 0; i < reg->family_count; i++) {
		if (reg->families[i] == fam || strcmp(reg->families[i]->name, fam->name) == 0) {
			*out = (uint16_t)i;
			return AMP_OK;
		}
	}
	if (reg->family_count >= CONFIG_MAX_FAMILIES)
		return AMP_ERR_FULL;
	reg->families[reg->family_count] = fam;
	*out = (uint16_t)reg->family_count++;
	return AMP_OK;
}

/* Compares a stored "name\0value\0..." blob with a sorted label list. */
static int blob_equals(const char *blob, size_t bytes, const struct amp_label *sorted, unsigned count)
{
	size_t off = 0;

	for (unsigned i = 0; i < count; i++) {
		size_t nl = strlen(sorted[i].name) + 1;
		size_t vl = strlen(sorted[i].value) + 1;

		if (off + nl + vl > bytes || memcmp(blob + off, sorted[i].name, nl) != 0 ||
		    memcmp(blob + off + nl, sorted[i].value, vl) != 0)
			return 0;
		off += nl + vl;
	}
	return off == bytes;
}

/* The family's name and every label name (those with empty values, left out of the series, too). */
static bool names_valid(const struct amp_family *fam, const struct amp_label *labels, unsigned label_count)
{
	if (!amp_registry_valid_name(fam->name, 1))
		return false;
	for (unsigned i = 0; i < label_count; i++) {
		if (!amp_registry_valid_name(labels[i].name, 0))
			return false;
	}
	return true;
}

int amp_registry_intern(struct amp_registry *reg, const struct amp_family *fam, const struct amp_label *labels,
			unsigned label_count, amp_series_id *id)
{
	struct amp_label sorted[CONFIG_MAX_SERIES_LABELS];
	unsigned n = 0;
	uint32_t hash;
	size_t bytes = 0;
	uint16_t family;
	int rc;

	if (fam == NULL || fam->name == NULL)
		return AMP_ERR_INVALID;
	/*
	 * Insertion sort by name: a handful of labels, and no qsort (glibc's may allocate). The names are
	 * checked only when a series is added (below): a known series has valid ones, and this runs for
	 * every sample of every collection.
	 */
	for (unsigned i = 0; i < label_count; i++) {
		unsigned j;

		if (labels[i].name == NULL || labels[i].value == NULL)
			return AMP_ERR_INVALID;
		if (labels[i].value[0] == '\0') {
			/* left out of the series, so never checked below: a bad name is refused all the same */
			if (!amp_registry_valid_name(labels[i].name, 0))
				return AMP_ERR_INVALID;
			continue;
		}
		if (n == CONFIG_MAX_SERIES_LABELS)
			return AMP_ERR_INVALID;
		for (j = n; j > 0 && strcmp(sorted[j - 1].name, labels[i].name) > 0; j--)
			sorted[j] = sorted[j - 1];
		if (j > 0 && strcmp(sorted[j - 1].name, labels[i].name) == 0)
			return AMP_ERR_INVALID;
		sorted[j] = labels[i];
		n++;
	}

	hash = fnv1a(2166136261u, fam->name, strlen(fam->name) + 1);
	for (unsigned i = 0; i < n; i++) {
		size_t nl = strlen(sorted[i].name) + 1;
		size_t vl = strlen(sorted[i].value) + 1;

		hash = fnv1a(hash, sorted[i].name, nl);
		hash = fnv1a(hash, sorted[i].value, vl);
		bytes += nl + vl;
	}

	for (uint32_t slot = hash % INDEX_SLOTS;; slot = (slot + 1) % INDEX_SLOTS) {
		uint16_t v = reg->index[slot];
		const struct amp_series_entry *e;

		if (v == 0) {
			struct amp_series_entry *ne;
			char *dst;

			if (!names_valid(fam, labels, label_count))
				return AMP_ERR_INVALID;
			if (reg->series_count >= CONFIG_MAX_SERIES || bytes > UINT16_MAX ||
			    bytes > sizeof(reg->arena) - reg->arena_used)
				return AMP_ERR_FULL;
			rc = family_index(reg, fam, &family);
			if (rc != AMP_OK)
				return rc;
			ne = &reg->series[reg->series_count];
			ne->label_off = (uint32_t)reg->arena_used;
			ne->label_bytes = (uint16_t)bytes;
			ne->label_count = (uint8_t)n;
			ne->family = family;
			ne->hash = hash;
			dst = reg->arena + reg->arena_used;
			for (unsigned i = 0; i < n; i++) {
				size_t nl = strlen(sorted[i].name) + 1;
				size_t vl = strlen(sorted[i].value) + 1;

				memcpy(dst, sorted[i].name, nl);
				memcpy(dst + nl, sorted[i].value, vl);
				dst += nl + vl;
			}
			reg->arena_used += bytes;
			*id = (amp_series_id)reg->series_count;
			reg->index[slot] = (uint16_t)(++reg->series_count);
			return AMP_OK;
		}
		e = &reg->series[v - 1];
		if (e->hash == hash && e->label_count == n && strcmp(reg->families[e->family]->name, fam->name) == 0 &&
		    blob_equals(reg->arena + e->label_off, e->label_bytes, sorted, n)) {
			*id = (amp_series_id)(v - 1);
			return AMP_OK;
		}
	}
}

const struct amp_family *amp_registry_family(const struct amp_registry *reg, amp_series_id id)
{
	return reg->families[reg->series[id].family];
}

int amp_registry_label_next(const struct amp_registry *reg, amp_series_id id, unsigned *cursor,
			    struct amp_label *out)
{
	const struct amp_series_entry *e = &reg->series[id];
	const char *blob = reg->arena + e->label_off;
	size_t nl, vl;

	if (*cursor >= e->label_bytes)
		return AMP_ERR_NOTFOUND;
	out->name = blob + *cursor;
	nl = strlen(out->name) + 1;
	out->value = out->name + nl;
	vl = strlen(out->value) + 1;
	*cursor += (unsigned)(nl + vl);
	return AMP_OK;
}

unsigned amp_registry_count(const struct amp_registry *reg)
{
	return reg->series_count;
}

/* Copies at most cap - 1 bytes of `help`, never splitting a UTF-8 sequence (the cut is only for display). */
static void copy_help(char *dst, size_t cap, const char *help)
{
	size_t n = help != NULL ? strlen(help) : 0;

	if (n >= cap) {
		n = cap - 1;
		/* help[n] is the first byte left out: a continuation byte there means its sequence was split. */
		while (n > 0 && ((unsigned char)help[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, help, n);
	dst[n] = '\0';
}

int amp_registry_family_copy(struct amp_registry *reg, const char *name, const char *help, enum amp_metric_type type,
			     const struct amp_family **out)
{
	struct amp_family_copy *c;
	size_t len;

	if (!amp_registry_valid_name(name, 1))
		return AMP_ERR_INVALID;
	len = strlen(name);
	if (len >= CONFIG_TEXTFILE_MAX_NAME_LEN)
		return AMP_ERR_FULL;
	for (unsigned i = 0; i < reg->copy_count; i++) {
		c = &reg->copies[i];
		if (strcmp(c->name, name) == 0)
			goto found;
	}
	for (unsigned i = 0; i < reg->family_count; i++) {
		if (strcmp(reg->families[i]->name, name) == 0)
			return AMP_ERR_INVALID;
	}
	if (reg->copy_count >= CONFIG_TEXTFILE_MAX_FAMILIES)
		return AMP_ERR_FULL;
	c = &reg->copies[reg->copy_count++];
	memcpy(c->name, name, len + 1);
	c->fam.name = c->name;
	c->fam.help = c->help;
found:
	copy_help(c->help, sizeof(c->help), help);
	c->fam.type = type;
	*out = &c->fam;
	return AMP_OK;
}

const struct amp_family *amp_registry_family_find(const struct amp_registry *reg, const char *name)
{
	for (unsigned i = 0; i < reg->family_count; i++) {
		if (strcmp(reg->families[i]->name, name) == 0)
			return reg->families[i];
	}
	for (unsigned i = 0; i < reg->copy_count; i++) {
		if (strcmp(reg->copies[i].name, name) == 0)
			return &reg->copies[i].fam;
	}
	return NULL;
}

int amp_registry_family_copied(const struct amp_registry *reg, const struct amp_family *fam)
{
	for (unsigned i = 0; i < reg->copy_count; i++) {
		if (fam == &reg->copies[i].fam)
			return 1;
	}
	return 0;
}
