/* Label sets of pushed series: a merge of two sorted lists plus __name__, sorted by byte order. */
#include "labels.h"

#include <string.h>

static unsigned insert_sorted(struct amp_label *set, unsigned n, const struct amp_label *l)
{
	unsigned j = n;

	while (j > 0 && strcmp(set[j - 1].name, l->name) > 0) {
		set[j] = set[j - 1];
		j--;
	}
	set[j] = *l;
	return n + 1;
}

int amp_labels_common_init(struct amp_labels_common *c, const char *instance, const char *job,
			   const struct amp_label *extra, unsigned extra_count)
{
	const struct amp_label base[2] = {{"instance", instance}, {"job", job}};

	c->count = 0;
	for (unsigned i = 0; i < 2 + extra_count; i++) {
		const struct amp_label *l = i < 2 ? &base[i] : &extra[i - 2];

		if (l->value == NULL || l->value[0] == '\0')
			continue;
		if (!amp_registry_valid_name(l->name, 0))
			return AMP_ERR_INVALID;
		for (unsigned k = 0; k < c->count; k++) {
			if (strcmp(c->items[k].name, l->name) == 0)
				return AMP_ERR_INVALID;
		}
		if (c->count == sizeof(c->items) / sizeof(c->items[0]))
			return AMP_ERR_FULL;
		c->count = insert_sorted(c->items, c->count, l);
	}
	return AMP_OK;
}

unsigned amp_labels_of(const struct amp_registry *reg, amp_series_id id, const struct amp_labels_common *c,
		       struct amp_label *out)
{
	struct amp_label own;
	unsigned cursor = 0;
	unsigned n = 0;
	unsigned ci = 0;
	int have_own;
	const struct amp_label name = {"__name__", amp_registry_family(reg, id)->name};

	/* Both lists are sorted: merge them, the series' own label winning on equal names. */
	have_own = amp_registry_label_next(reg, id, &cursor, &own) == AMP_OK;
	while (have_own || ci < c->count) {
		int cmp = !have_own ? 1 : ci == c->count ? -1 : strcmp(own.name, c->items[ci].name);

		if (cmp <= 0) {
			out[n++] = own;
			have_own = amp_registry_label_next(reg, id, &cursor, &own) == AMP_OK;
			if (cmp == 0)
				ci++;
		} else {
			out[n++] = c->items[ci++];
		}
	}
	/* __name__ sorts after upper-case names: place it by byte order, not first by habit. */
	return insert_sorted(out, n, &name);
}
