/* Credentials source "file": a profile of the AWS shared credentials file, read again when it changes on disk. */
#include "creds_internal.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/*
 * The file is read whole: a session token alone is over a kilobyte on one line, longer than inih
 * takes, so the profile is parsed here. Profiles are `[name]` sections (the config file's
 * `[profile name]` form is not this file's); keys are aws_access_key_id, aws_secret_access_key and
 * aws_session_token (aws_security_token, its old name, too), matched without regard to case as
 * botocore does. Other sections are not looked at.
 */
#define AMP_CREDS_FILE_MAX 16384

static struct {
	char path[CONFIG_MAX_PATH_LEN];
	char profile[128];
	struct amp_secret_watch watch;
	char text[AMP_CREDS_FILE_MAX];
} file_src;

static int file_setup(const struct amp_config *cfg)
{
	int rc;

	memset(&file_src.watch, 0, sizeof(file_src.watch));
	if (cfg->shared_credentials_file[0] != '\0') {
		rc = amp_creds_copy(file_src.path, sizeof(file_src.path), cfg->shared_credentials_file);
	} else {
		rc = amp_creds_getenv("AWS_SHARED_CREDENTIALS_FILE", file_src.path, sizeof(file_src.path));
		if (rc == AMP_ERR_NOTFOUND) {
			char home[CONFIG_MAX_PATH_LEN];

			rc = amp_creds_getenv("HOME", home, sizeof(home));
			if (rc == AMP_OK && snprintf(file_src.path, sizeof(file_src.path), "%s/.aws/credentials", home) >=
						    (int)sizeof(file_src.path))
				rc = AMP_ERR_FULL;
		}
	}
	if (rc == AMP_ERR_FULL) {
		AMP_LOG_E("creds", "shared credentials file path longer than %zu bytes", sizeof(file_src.path) - 1);
		return AMP_ERR_CONFIG;
	}
	if (rc != AMP_OK) {
		file_src.path[0] = '\0'; /* no HOME: nothing to read */
		return AMP_ERR_NOTFOUND;
	}
	if (cfg->profile[0] != '\0')
		rc = amp_creds_copy(file_src.profile, sizeof(file_src.profile), cfg->profile);
	else if ((rc = amp_creds_getenv("AWS_PROFILE", file_src.profile, sizeof(file_src.profile))) == AMP_ERR_NOTFOUND)
		rc = amp_creds_copy(file_src.profile, sizeof(file_src.profile), "default");
	if (rc != AMP_OK) {
		AMP_LOG_E("creds", "AWS_PROFILE longer than %zu bytes", sizeof(file_src.profile) - 1);
		return AMP_ERR_CONFIG;
	}
	return AMP_OK;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims blanks and a trailing CR off [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && (blank((*s)[*n - 1]) || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static bool equals_ci(const char *s, size_t n, const char *lower)
{
	if (strlen(lower) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];

		if (c != lower[i])
			return false;
	}
	return true;
}

/* Stores one value of the profile; a key given twice is refused (configparser refuses it too). */
static int take(char *dst, size_t cap, bool *seen, const char *v, size_t vn, const char *key, unsigned line,
		char *why, size_t why_cap)
{
	if (*seen) {
		snprintf(why, why_cap, "%s:%u: %s given twice in [%s]", file_src.path, line, key, file_src.profile);
		return AMP_ERR_INVALID;
	}
	if (vn >= cap) {
		snprintf(why, why_cap, "%s:%u: %s longer than %zu bytes", file_src.path, line, key, cap - 1);
		return AMP_ERR_FULL;
	}
	/* it would end the C string there: a secret cut short would be used, and refused only by the receiver */
	if (memchr(v, '\0', vn) != NULL) {
		snprintf(why, why_cap, "%s:%u: %s holds a NUL byte", file_src.path, line, key);
		return AMP_ERR_INVALID;
	}
	memcpy(dst, v, vn);
	dst[vn] = '\0';
	*seen = true;
	return AMP_OK;
}

/* Walks the lines of file_src.text for the profile's keys. */
static int parse_profile(size_t len, struct amp_creds *out, char *why, size_t cap)
{
	const char *p = file_src.text;
	const char *end = p + len;
	bool in_profile = false, found = false;
	bool seen_id = false, seen_secret = false, seen_token = false;
	unsigned line = 0;
	int rc = AMP_OK;

	while (p < end && rc == AMP_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *s = p;
		const char *raw = p;
		const char *eq;
		size_t kn, vn;

		line++;
		p += n + (nl != NULL);
		trim(&s, &n);
		if (n == 0 || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			const char *name = s + 1;
			size_t nn = n >= 2 && s[n - 1] == ']' ? n - 2 : 0;

			trim(&name, &nn);
			in_profile = nn == strlen(file_src.profile) && memcmp(name, file_src.profile, nn) == 0;
			if (in_profile && found) {
				snprintf(why, cap, "%s:%u: profile [%s] given twice", file_src.path, line, file_src.profile);
				return AMP_ERR_INVALID;
			}
			found = found || in_profile;
			continue;
		}
		if (!in_profile)
			continue;
		if (blank(*raw)) {
			/* configparser would glue it to the previous value: a secret split in two is refused */
			snprintf(why, cap, "%s:%u: indented line in [%s]", file_src.path, line, file_src.profile);
			return AMP_ERR_INVALID;
		}
		eq = memchr(s, '=', n);
		if (eq == NULL) {
			snprintf(why, cap, "%s:%u: expected key = value in [%s]", file_src.path, line, file_src.profile);
			return AMP_ERR_INVALID;
		}
		kn = (size_t)(eq - s);
		vn = n - kn - 1;
		{
			const char *k = s;
			const char *v = eq + 1;

			trim(&k, &kn);
			trim(&v, &vn);
			if (equals_ci(k, kn, "aws_access_key_id"))
				rc = take(out->access_key, sizeof(out->access_key), &seen_id, v, vn, "aws_access_key_id", line,
					  why, cap);
			else if (equals_ci(k, kn, "aws_secret_access_key"))
				rc = take(out->secret_key, sizeof(out->secret_key), &seen_secret, v, vn,
					  "aws_secret_access_key", line, why, cap);
			else if (equals_ci(k, kn, "aws_session_token") || equals_ci(k, kn, "aws_security_token"))
				rc = take(out->session_token, sizeof(out->session_token), &seen_token, v, vn,
					  "aws_session_token", line, why, cap);
		}
	}
	if (rc != AMP_OK)
		return rc;
	if (!found) {
		snprintf(why, cap, "%s: no profile [%s]", file_src.path, file_src.profile);
		return AMP_ERR_NOTFOUND;
	}
	if (!seen_id || !seen_secret) {
		snprintf(why, cap, "%s: profile [%s] lacks %s", file_src.path, file_src.profile,
			 !seen_id ? "aws_access_key_id" : "aws_secret_access_key");
		return AMP_ERR_INVALID;
	}
	return AMP_OK;
}

static int file_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	size_t len = 0;
	int rc;

	(void)cfg;
	if (file_src.path[0] == '\0') {
		snprintf(why, cap, "no shared credentials file (neither AWS_SHARED_CREDENTIALS_FILE nor HOME is set)");
		return AMP_ERR_NOTFOUND;
	}
	/* the stat is taken first: a rewrite while reading shows as a change at the next look */
	(void)amp_secret_watch_changed(&file_src.watch, file_src.path);
	rc = port_read_file(file_src.path, file_src.text, sizeof(file_src.text), &len);
	if (rc == AMP_OK)
		rc = parse_profile(len, out, why, cap);
	else if (rc == AMP_ERR_FULL)
		snprintf(why, cap, "%s: larger than %zu bytes", file_src.path, sizeof(file_src.text) - 1);
	else
		snprintf(why, cap, "%s: cannot read: %s", file_src.path, amp_strerror(rc));
	amp_secret_wipe(file_src.text, sizeof(file_src.text));
	/* a failed read keeps the stat it saw: the file is read again when it changes, or at the next try */
	if (rc != AMP_OK)
		return rc;
	out->expiration_ms = 0;
	snprintf(out->origin, sizeof(out->origin), "%.90s [%.30s]", file_src.path, file_src.profile);
	return AMP_OK;
}

static int file_changed(void)
{
	return file_src.path[0] != '\0' && amp_secret_watch_changed(&file_src.watch, file_src.path) == 1;
}

static void file_release(void)
{
	amp_secret_wipe(file_src.text, sizeof(file_src.text));
	memset(&file_src.watch, 0, sizeof(file_src.watch));
}

const struct amp_creds_source amp_creds_source_file = {
	.name = "file",
	.setup = file_setup,
	.fetch = file_fetch,
	.changed = file_changed,
	.release = file_release,
};
