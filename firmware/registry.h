/* The series registry: each distinct metric name + label set gets a small id; names live once in an arena. */
#ifndef AMP_REGISTRY_H
#define AMP_REGISTRY_H

#include "error.h"
#include "opts.h"

#include <stddef.h>
#include <stdint.h>

enum amp_metric_type {
	AMP_METRIC_COUNTER,
	AMP_METRIC_GAUGE,
	AMP_METRIC_UNTYPED,
};

/* A metric family as a collector declares it (static const data that outlives the registry). */
struct amp_family {
	const char *name;
	const char *help;
	enum amp_metric_type type;
};

struct amp_label {
	const char *name;
	const char *value;
};

typedef uint16_t amp_series_id;

/*
 * Families the registry copies for collectors whose families are not static data (the textfile
 * collector's, read from files): how many, and the room for each name and help text (Kconfig).
 */
#ifndef CONFIG_TEXTFILE_MAX_FAMILIES
#define CONFIG_TEXTFILE_MAX_FAMILIES 32
#endif
#ifndef CONFIG_TEXTFILE_MAX_NAME_LEN
#define CONFIG_TEXTFILE_MAX_NAME_LEN 128
#endif
#ifndef CONFIG_TEXTFILE_MAX_HELP_LEN
#define CONFIG_TEXTFILE_MAX_HELP_LEN 160
#endif
#if CONFIG_TEXTFILE_MAX_FAMILIES < 1 || CONFIG_TEXTFILE_MAX_NAME_LEN < 2 || CONFIG_TEXTFILE_MAX_HELP_LEN < 1
#error "CONFIG_TEXTFILE_MAX_FAMILIES, _NAME_LEN and _HELP_LEN must leave room for one family"
#endif

/* A registry-owned family: `fam` points into the slot's own name and help, so it lives as long as the registry. */
struct amp_family_copy {
	struct amp_family fam;
	char name[CONFIG_TEXTFILE_MAX_NAME_LEN];
	char help[CONFIG_TEXTFILE_MAX_HELP_LEN];
};

struct amp_series_entry {
	uint32_t label_off;  /* offset in the arena of "name\0value\0" pairs, sorted by name */
	uint16_t label_bytes;
	uint8_t label_count;
	uint16_t family;     /* index into families[] */
	uint32_t hash;
};

struct amp_registry {
	const struct amp_family *families[CONFIG_MAX_FAMILIES];
	unsigned family_count;
	struct amp_series_entry series[CONFIG_MAX_SERIES];
	unsigned series_count;
	/* open addressing, 0 = empty, otherwise id + 1; twice the series capacity keeps probes short */
	uint16_t index[2 * CONFIG_MAX_SERIES];
	char arena[CONFIG_LABEL_ARENA_BYTES];
	size_t arena_used;
	struct amp_family_copy copies[CONFIG_TEXTFILE_MAX_FAMILIES];
	unsigned copy_count;
};

/* Empties the registry. Cannot fail. */
void amp_registry_init(struct amp_registry *reg);

/*
 * Returns in *id the series of `fam` with `labels` (any order; sorted here; labels with an empty
 * value are left out, as Prometheus treats them as absent), creating it on first sight.
 * Returns 0, AMP_ERR_INVALID (bad metric or label name, duplicate label name, too many labels)
 * or AMP_ERR_FULL (series table, family table or arena exhausted).
 */
int amp_registry_intern(struct amp_registry *reg, const struct amp_family *fam, const struct amp_label *labels,
			unsigned label_count, amp_series_id *id) AMP_MUST_CHECK;

/* The family of a series. `id` must be valid. */
const struct amp_family *amp_registry_family(const struct amp_registry *reg, amp_series_id id);

/* Walks a series' labels (sorted by name): start with *cursor = 0; returns 0 while a label was produced. */
int amp_registry_label_next(const struct amp_registry *reg, amp_series_id id, unsigned *cursor,
			    struct amp_label *out);

unsigned amp_registry_count(const struct amp_registry *reg);

/*
 * Returns in *out a family whose name, help and type the registry holds in its own fixed storage, for
 * families that are not static data (names and help texts read from files). The pointer stays valid
 * and the same for the registry's life: asking again for the same name returns it again, with help and
 * type replaced by the new ones (a file may change its HELP; series keep their family). A help text
 * longer than CONFIG_TEXTFILE_MAX_HELP_LEN - 1 bytes is cut at a UTF-8 character boundary.
 * Returns 0, AMP_ERR_INVALID (bad metric name, or a name already taken by a family the registry does
 * not own: a collector's static one) or AMP_ERR_FULL (CONFIG_TEXTFILE_MAX_FAMILIES slots used, or the
 * name longer than CONFIG_TEXTFILE_MAX_NAME_LEN - 1 bytes). Slots are never freed.
 */
int amp_registry_family_copy(struct amp_registry *reg, const char *name, const char *help, enum amp_metric_type type,
			     const struct amp_family **out) AMP_MUST_CHECK;

/* The family named `name` among those with series and those copied, or NULL. */
const struct amp_family *amp_registry_family_find(const struct amp_registry *reg, const char *name);

/* True if `fam` is one of the registry's copies (amp_registry_family_copy). */
int amp_registry_family_copied(const struct amp_registry *reg, const struct amp_family *fam);

/* True if `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* (metric) or [a-zA-Z_][a-zA-Z0-9_]* (label, colon=0). */
int amp_registry_valid_name(const char *name, int allow_colon);

#endif
