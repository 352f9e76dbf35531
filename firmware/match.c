/* Filter patterns: an RE2 subset parsed into a bounded syntax tree, compiled to an NFA program, run as a Pike VM. */
#include "match.h"

#include <string.h>

enum {
	OP_CHAR,   /* one code point equal to x */
	OP_ANY,    /* any code point */
	OP_CLASS,  /* a code point in ranges[x .. x + y) */
	OP_NCLASS, /* a code point in none of them */
	OP_SPLIT,  /* continue at x and at y */
	OP_JMP,    /* continue at x */
	OP_BOL,    /* only at the start of the input */
	OP_EOL,    /* only at its end */
	OP_MATCH,
};

enum node_type {
	N_EMPTY,
	N_LIT,
	N_ANY,
	N_CLASS,   /* a = first range, b = count, neg */
	N_BOL,
	N_EOL,
	N_CAT,     /* children in order */
	N_ALT,     /* children are the alternatives */
	N_STAR,
	N_PLUS,
	N_QUEST,
};

#define NO_NODE 0xFFFFu
/* Every leaf of the tree costs at least one instruction, so a tree larger than this cannot compile anyway. */
#define MAX_NODES (2 * CONFIG_MATCH_MAX_INSTS + 8)

struct node {
	uint8_t type;
	uint8_t neg;
	uint16_t child; /* first child */
	uint16_t last;  /* last child, to append in O(1) */
	uint16_t next;  /* next sibling */
	uint32_t a;
	uint16_t b;
};

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	struct node nodes[MAX_NODES];
	unsigned count;
	struct amp_match *m;
	struct amp_match_error *err;
	int rc;
};

static int fail(struct parser *p, int rc, const char *why, size_t offset)
{
	if (p->rc == AMP_OK) {
		p->rc = rc;
		p->err->why = why;
		p->err->offset = offset;
	}
	return rc;
}

/* As Go's utf8.DecodeRune: overlong forms, surrogates and code points above U+10FFFF are malformed too. */
size_t amp_match_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c = s[0];
	size_t need;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (need >= n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return need + 1;
}

static uint16_t new_node(struct parser *p, enum node_type type)
{
	struct node *n;

	if (p->count >= MAX_NODES) {
		fail(p, AMP_ERR_FULL, "pattern too complex (CONFIG_MATCH_MAX_INSTS)", p->pos);
		return NO_NODE;
	}
	n = &p->nodes[p->count];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->child = NO_NODE;
	n->last = NO_NODE;
	n->next = NO_NODE;
	return (uint16_t)p->count++;
}

static void append_child(struct parser *p, uint16_t parent, uint16_t child)
{
	struct node *n = &p->nodes[parent];

	if (n->child == NO_NODE)
		n->child = child;
	else
		p->nodes[n->last].next = child;
	n->last = child;
}

static int add_range(struct parser *p, uint32_t lo, uint32_t hi)
{
	struct amp_match *m = p->m;

	if (m->range_count >= CONFIG_MATCH_MAX_RANGES)
		return fail(p, AMP_ERR_FULL, "too many character-class ranges (CONFIG_MATCH_MAX_RANGES)", p->pos);
	m->ranges[m->range_count].lo = lo;
	m->ranges[m->range_count].hi = hi;
	m->range_count++;
	return AMP_OK;
}

/* The ranges of \d, \w, \s (RE2's ASCII-only Perl classes). Returns false for another letter. */
static bool perl_class(struct parser *p, char c)
{
	switch (c) {
	case 'd':
		add_range(p, '0', '9');
		return true;
	case 'w':
		add_range(p, '0', '9');
		add_range(p, 'A', 'Z');
		add_range(p, '_', '_');
		add_range(p, 'a', 'z');
		return true;
	case 's':
		add_range(p, '\t', '\n');
		add_range(p, '\f', '\r');
		add_range(p, ' ', ' ');
		return true;
	default:
		return false;
	}
}

static bool is_ascii_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
	       (c >= 0x7B && c <= 0x7E);
}

/* A single-character escape (after the backslash at p->pos - 1): returns true with *cp set. */
static bool escape_char(unsigned char c, uint32_t *cp)
{
	switch (c) {
	case 'n': *cp = '\n'; return true;
	case 't': *cp = '\t'; return true;
	case 'r': *cp = '\r'; return true;
	case 'f': *cp = '\f'; return true;
	case 'v': *cp = '\v'; return true;
	default:
		if (is_ascii_punct(c)) {
			*cp = c;
			return true;
		}
		return false;
	}
}

/* Reads one literal character of a class (escapes allowed). Returns 0, or 1 when it was a Perl class. */
static int class_char(struct parser *p, uint32_t *cp)
{
	size_t at = p->pos;
	size_t w;

	if (p->s[p->pos] == '\\') {
		unsigned char c;

		if (++p->pos >= p->len)
			return fail(p, AMP_ERR_INVALID, "trailing backslash", at);
		c = p->s[p->pos++];
		if (perl_class(p, (char)c))
			return p->rc == AMP_OK ? 1 : p->rc;
		if (c == 'D' || c == 'W' || c == 'S')
			return fail(p, AMP_ERR_INVALID, "negated Perl class inside [...] is not supported", at);
		if (!escape_char(c, cp))
			return fail(p, AMP_ERR_INVALID, "unsupported escape", at);
		return AMP_OK;
	}
	w = amp_match_utf8_decode((const char *)p->s + p->pos, p->len - p->pos, cp);
	if (*cp == 0xFFFD && w == 1 && p->s[p->pos] >= 0x80)
		return fail(p, AMP_ERR_INVALID, "pattern is not valid UTF-8", at);
	p->pos += w;
	return AMP_OK;
}

/* "[...]" at p->pos (the '['). */
static uint16_t parse_class(struct parser *p)
{
	size_t start = p->pos;
	uint16_t n = new_node(p, N_CLASS);
	bool first = true;

	if (n == NO_NODE)
		return NO_NODE;
	p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '^') {
		p->nodes[n].neg = 1;
		p->pos++;
	}
	p->nodes[n].a = p->m->range_count;
	for (;;) {
		uint32_t lo, hi;
		int rc;

		if (p->pos >= p->len) {
			fail(p, AMP_ERR_INVALID, "missing closing ]", start);
			return NO_NODE;
		}
		/* A ']' first in the class is a literal, as in RE2. */
		if (p->s[p->pos] == ']' && !first)
			break;
		if (p->s[p->pos] == '[' && p->pos + 1 < p->len && p->s[p->pos + 1] == ':') {
			fail(p, AMP_ERR_INVALID, "[:name:] classes are not supported", p->pos);
			return NO_NODE;
		}
		first = false;
		rc = class_char(p, &lo);
		if (rc < 0)
			return NO_NODE;
		if (rc == 1)
			continue;
		hi = lo;
		if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
			size_t at = p->pos;

			p->pos++;
			rc = class_char(p, &hi);
			if (rc < 0)
				return NO_NODE;
			if (rc == 1 || hi < lo) {
				fail(p, AMP_ERR_INVALID, "invalid character class range", at);
				return NO_NODE;
			}
		}
		if (add_range(p, lo, hi) != AMP_OK)
			return NO_NODE;
	}
	p->pos++;
	if (p->rc != AMP_OK)
		return NO_NODE;
	p->nodes[n].b = (uint16_t)(p->m->range_count - p->nodes[n].a);
	return n;
}

static uint16_t parse_alt(struct parser *p, unsigned depth);

static uint16_t parse_atom(struct parser *p, unsigned depth)
{
	size_t at = p->pos;
	unsigned char c = p->s[p->pos];
	uint16_t n;
	uint32_t cp;

	switch (c) {
	case '(': {
		uint16_t inner;

		if (depth >= AMP_MATCH_MAX_DEPTH) {
			fail(p, AMP_ERR_FULL, "groups nested too deep", at);
			return NO_NODE;
		}
		p->pos++;
		if (p->pos < p->len && p->s[p->pos] == '?') {
			if (p->pos + 1 < p->len && p->s[p->pos + 1] == ':') {
				p->pos += 2;
			} else {
				fail(p, AMP_ERR_INVALID, "flags and named groups (?...) are not supported", at);
				return NO_NODE;
			}
		}
		inner = parse_alt(p, depth + 1);
		if (inner == NO_NODE)
			return NO_NODE;
		if (p->pos >= p->len || p->s[p->pos] != ')') {
			fail(p, AMP_ERR_INVALID, "missing closing )", at);
			return NO_NODE;
		}
		p->pos++;
		return inner;
	}
	case '[':
		return parse_class(p);
	case '.':
		p->pos++;
		return new_node(p, N_ANY);
	case '^':
		p->pos++;
		return new_node(p, N_BOL);
	case '$':
		p->pos++;
		return new_node(p, N_EOL);
	case '*':
	case '+':
	case '?':
		fail(p, AMP_ERR_INVALID, "missing argument to repetition operator", at);
		return NO_NODE;
	case '{':
	case '}':
		fail(p, AMP_ERR_INVALID, "counted repetition {n,m} is not supported (write \\{ for a brace)", at);
		return NO_NODE;
	case '\\': {
		unsigned char e;

		if (p->pos + 1 >= p->len) {
			fail(p, AMP_ERR_INVALID, "trailing backslash", at);
			return NO_NODE;
		}
		e = p->s[p->pos + 1];
		p->pos += 2;
		if (e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S') {
			n = new_node(p, N_CLASS);
			if (n == NO_NODE)
				return NO_NODE;
			p->nodes[n].a = p->m->range_count;
			p->nodes[n].neg = e < 'a';
			perl_class(p, (char)(e | 0x20));
			if (p->rc != AMP_OK)
				return NO_NODE;
			p->nodes[n].b = (uint16_t)(p->m->range_count - p->nodes[n].a);
			return n;
		}
		if (!escape_char(e, &cp)) {
			fail(p, AMP_ERR_INVALID, "unsupported escape", at);
			return NO_NODE;
		}
		n = new_node(p, N_LIT);
		if (n != NO_NODE)
			p->nodes[n].a = cp;
		return n;
	}
	default: {
		size_t w = amp_match_utf8_decode((const char *)p->s + p->pos, p->len - p->pos, &cp);

		if (cp == 0xFFFD && w == 1 && c >= 0x80) {
			fail(p, AMP_ERR_INVALID, "pattern is not valid UTF-8", at);
			return NO_NODE;
		}
		p->pos += w;
		n = new_node(p, N_LIT);
		if (n != NO_NODE)
			p->nodes[n].a = cp;
		return n;
	}
	}
}

static bool is_repeat(unsigned char c)
{
	return c == '*' || c == '+' || c == '?';
}

/* atom [*+?] [?]: one repetition operator, optionally lazy; a second operator is RE2's "nested repetition". */
static uint16_t parse_repeat(struct parser *p, unsigned depth)
{
	uint16_t atom = parse_atom(p, depth);
	uint16_t wrap;
	unsigned char op;

	if (atom == NO_NODE || p->pos >= p->len || !is_repeat(p->s[p->pos]))
		return atom;
	op = p->s[p->pos++];
	wrap = new_node(p, op == '*' ? N_STAR : op == '+' ? N_PLUS : N_QUEST);
	if (wrap == NO_NODE)
		return NO_NODE;
	p->nodes[wrap].child = atom;
	if (p->pos < p->len && p->s[p->pos] == '?')
		p->pos++; /* lazy: the same set of full matches */
	if (p->pos < p->len && is_repeat(p->s[p->pos])) {
		fail(p, AMP_ERR_INVALID, "nested repetition operator", p->pos);
		return NO_NODE;
	}
	return wrap;
}

static uint16_t parse_concat(struct parser *p, unsigned depth)
{
	uint16_t cat = new_node(p, N_CAT);

	if (cat == NO_NODE)
		return NO_NODE;
	while (p->pos < p->len && p->s[p->pos] != '|' && p->s[p->pos] != ')') {
		uint16_t r = parse_repeat(p, depth);

		if (r == NO_NODE)
			return NO_NODE;
		append_child(p, cat, r);
	}
	return cat;
}

static uint16_t parse_alt(struct parser *p, unsigned depth)
{
	uint16_t alt = new_node(p, N_ALT);

	if (alt == NO_NODE)
		return NO_NODE;
	for (;;) {
		uint16_t c = parse_concat(p, depth);

		if (c == NO_NODE)
			return NO_NODE;
		append_child(p, alt, c);
		if (p->pos >= p->len || p->s[p->pos] != '|')
			break;
		p->pos++;
	}
	return alt;
}

/* ---- code generation ---- */

static int emit(struct parser *p, uint8_t op, uint32_t x, uint16_t y, uint32_t *at)
{
	struct amp_match *m = p->m;

	if (m->len >= CONFIG_MATCH_MAX_INSTS)
		return fail(p, AMP_ERR_FULL, "pattern too complex (more instructions than CONFIG_MATCH_MAX_INSTS)",
			    p->len);
	m->prog[m->len].op = op;
	m->prog[m->len].x = x;
	m->prog[m->len].y = y;
	if (at != NULL)
		*at = m->len;
	m->len++;
	return AMP_OK;
}

/* Recursion follows the tree's depth, which the group nesting limit bounds (siblings are a loop). */
static int gen(struct parser *p, uint16_t idx)
{
	const struct node *n = &p->nodes[idx];
	struct amp_match *m = p->m;
	uint32_t l1, l2;
	int rc = AMP_OK;

	switch ((enum node_type)n->type) {
	case N_EMPTY:
		return AMP_OK;
	case N_LIT:
		return emit(p, OP_CHAR, n->a, 0, NULL);
	case N_ANY:
		return emit(p, OP_ANY, 0, 0, NULL);
	case N_CLASS:
		return emit(p, n->neg ? OP_NCLASS : OP_CLASS, n->a, n->b, NULL);
	case N_BOL:
		return emit(p, OP_BOL, 0, 0, NULL);
	case N_EOL:
		return emit(p, OP_EOL, 0, 0, NULL);
	case N_CAT:
		for (uint16_t c = n->child; c != NO_NODE && rc == AMP_OK; c = p->nodes[c].next)
			rc = gen(p, c);
		return rc;
	case N_ALT: {
		/*
		 * split L1, next; L1: alt1; jmp end; next: split L2, next2; ... last alternative; end:
		 * The jumps to patch are chained through their own x fields (no array: alternatives are unbounded).
		 */
		uint32_t chain = UINT32_MAX;

		for (uint16_t c = n->child; c != NO_NODE && rc == AMP_OK; c = p->nodes[c].next) {
			uint32_t split = 0, jmp = 0;
			bool last = p->nodes[c].next == NO_NODE;

			if (!last) {
				rc = emit(p, OP_SPLIT, 0, 0, &split);
				if (rc != AMP_OK)
					break;
				m->prog[split].x = m->len;
			}
			rc = gen(p, c);
			if (rc != AMP_OK || last)
				break;
			rc = emit(p, OP_JMP, chain, 0, &jmp);
			if (rc != AMP_OK)
				break;
			chain = jmp;
			m->prog[split].y = (uint16_t)m->len;
		}
		while (rc == AMP_OK && chain != UINT32_MAX) {
			uint32_t prev = m->prog[chain].x;

			m->prog[chain].x = m->len;
			chain = prev;
		}
		return rc;
	}
	case N_STAR:
	case N_QUEST:
		/* star: l1: split l2, end; l2: e; jmp l1; end:   quest: l1: split l2, end; l2: e; end: */
		rc = emit(p, OP_SPLIT, 0, 0, &l1);
		if (rc == AMP_OK)
			m->prog[l1].x = m->len;
		if (rc == AMP_OK)
			rc = gen(p, n->child);
		if (rc == AMP_OK && n->type == N_STAR)
			rc = emit(p, OP_JMP, l1, 0, NULL);
		if (rc == AMP_OK)
			m->prog[l1].y = (uint16_t)m->len;
		return rc;
	case N_PLUS:
		/* l1: e; split l1, end; end: */
		l1 = m->len;
		rc = gen(p, n->child);
		if (rc == AMP_OK)
			rc = emit(p, OP_SPLIT, l1, 0, &l2);
		if (rc == AMP_OK)
			m->prog[l2].y = (uint16_t)m->len;
		return rc;
	}
	return AMP_ERR_INVALID;
}

int amp_match_compile(struct amp_match *m, const char *pattern, struct amp_match_error *err)
{
	static struct amp_match_error ignored;
	struct parser p;
	uint16_t root;

	memset(m, 0, sizeof(*m));
	memset(&p, 0, sizeof(p));
	p.m = m;
	p.err = err != NULL ? err : &ignored;
	p.err->why = NULL;
	p.err->offset = 0;
	if (pattern == NULL)
		return fail(&p, AMP_ERR_INVALID, "no pattern", 0);
	p.s = (const unsigned char *)pattern;
	p.len = strlen(pattern);
	if (p.len > AMP_MATCH_MAX_PATTERN)
		return fail(&p, AMP_ERR_FULL, "pattern too long", AMP_MATCH_MAX_PATTERN);
	root = parse_alt(&p, 0);
	if (root != NO_NODE && p.pos < p.len)
		fail(&p, AMP_ERR_INVALID, "unexpected )", p.pos);
	if (p.rc == AMP_OK)
		gen(&p, root);
	if (p.rc == AMP_OK)
		emit(&p, OP_MATCH, 0, 0, NULL);
	if (p.rc != AMP_OK)
		memset(m, 0, sizeof(*m)); /* a refused pattern matches nothing rather than a prefix of itself */
	return p.rc;
}

/* ---- matching ---- */

struct thread_list {
	uint16_t pc[CONFIG_MATCH_MAX_INSTS];
	unsigned n;
};

static bool in_class(const struct amp_match *m, const struct amp_match_inst *in, uint32_t c)
{
	for (uint32_t i = in->x; i < in->x + in->y; i++) {
		if (c >= m->ranges[i].lo && c <= m->ranges[i].hi)
			return true;
	}
	return false;
}

/*
 * Adds pc and everything reachable from it without consuming input. Each instruction is marked when first
 * pushed, so the walk is iterative, visits an instruction once per step and needs a stack of at most the
 * program's length: empty loops like (a*)* cannot spin.
 */
static void add_thread(const struct amp_match *m, struct thread_list *l, uint32_t *mark, uint32_t stamp,
		       uint16_t *stack, uint32_t start, size_t pos, size_t len)
{
	unsigned sp = 0;

	if (mark[start] == stamp)
		return;
	mark[start] = stamp;
	stack[sp++] = (uint16_t)start;
	while (sp > 0) {
		uint32_t pc = stack[--sp];
		const struct amp_match_inst *in = &m->prog[pc];
		uint32_t next[2];
		unsigned nn = 0;

		switch (in->op) {
		case OP_JMP:
			next[nn++] = in->x;
			break;
		case OP_SPLIT:
			next[nn++] = in->y;
			next[nn++] = in->x;
			break;
		case OP_BOL:
			if (pos == 0)
				next[nn++] = pc + 1;
			break;
		case OP_EOL:
			if (pos == len)
				next[nn++] = pc + 1;
			break;
		default:
			l->pc[l->n++] = (uint16_t)pc;
			break;
		}
		for (unsigned i = 0; i < nn; i++) {
			if (next[i] < m->len && mark[next[i]] != stamp) {
				mark[next[i]] = stamp;
				stack[sp++] = (uint16_t)next[i];
			}
		}
	}
}

bool amp_match_full(const struct amp_match *m, const char *s, size_t len)
{
	struct thread_list lists[2];
	uint32_t mark[CONFIG_MATCH_MAX_INSTS];
	uint16_t stack[CONFIG_MATCH_MAX_INSTS];
	struct thread_list *cur = &lists[0], *nxt = &lists[1];
	uint32_t stamp = 1;
	size_t pos = 0;

	if (m == NULL || m->len == 0 || (s == NULL && len > 0))
		return false;
	memset(mark, 0, sizeof(uint32_t) * m->len);
	cur->n = 0;
	add_thread(m, cur, mark, stamp, stack, 0, 0, len);
	while (pos < len && cur->n > 0) {
		uint32_t c;
		size_t w = amp_match_utf8_decode(s + pos, len - pos, &c);

		pos += w;
		/* A fresh stamp per step; it cannot wrap: the input would need 4 G characters. */
		stamp++;
		nxt->n = 0;
		for (unsigned i = 0; i < cur->n; i++) {
			const struct amp_match_inst *in = &m->prog[cur->pc[i]];
			bool ok;

			switch (in->op) {
			case OP_CHAR: ok = c == in->x; break;
			case OP_ANY: ok = true; break;
			case OP_CLASS: ok = in_class(m, in, c); break;
			case OP_NCLASS: ok = !in_class(m, in, c); break;
			default: ok = false; break; /* MATCH before the end of the input is no full match */
			}
			if (ok)
				add_thread(m, nxt, mark, stamp, stack, cur->pc[i] + 1u, pos, len);
		}
		{
			struct thread_list *t = cur;

			cur = nxt;
			nxt = t;
		}
	}
	if (pos < len)
		return false;
	for (unsigned i = 0; i < cur->n; i++) {
		if (m->prog[cur->pc[i]].op == OP_MATCH)
			return true;
	}
	return false;
}
