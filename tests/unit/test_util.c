/*
 * test_util.c - the output-path rules of cf_file_write_atomic() (regular
 * files replaced, devices and FIFOs written through, directories, sockets
 * and dangling links refused, links to regular files resolved), the
 * regular-only reader, and the input/output identity helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <cf/base.h>

static char root[64];

/* root/name into buf. */
static const char *at(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", root, name);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/cfc-test-util.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The whole file, as a malloc'd string. */
static char *get(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	assert_int_equal(cf_file_read(path, 1 << 20, &buf, &len, NULL), CF_OK);
	return (char *)buf;
}

static void assert_content(const char *path, const char *want)
{
	char *got = get(path);
	assert_string_equal(got, want);
	free(got);
}

static mode_t kind(const char *path)
{
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & S_IFMT;
}

/* Entries of dir, "." and ".." excepted. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void write_ok(const char *path, const char *text, mode_t mode, int exclusive)
{
	int e = -100;
	assert_int_equal(cf_file_write_atomic(path, text, strlen(text), mode, exclusive, &e),
	                 CF_OK);
	assert_int_equal(e, 0);
}

static void write_refused(const char *path, int want_err, int exclusive)
{
	int e = 0;
	assert_int_equal(cf_file_write_atomic(path, "x", 1, 0644, exclusive, &e), CF_ERR_IO);
	assert_int_equal(e, want_err);
}

static void test_regular_and_new(void **state)
{
	(void)state;
	char p[128];
	at(p, sizeof p, "new.txt");
	write_ok(p, "one", 0600, 0);
	assert_content(p, "one");
	assert_int_equal(kind(p), S_IFREG);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	write_ok(p, "two", 0644, 0);
	assert_content(p, "two");
	/* Exclusive: an existing file is left alone; a new one is made. */
	write_refused(p, EEXIST, 1);
	assert_content(p, "two");
	char q[128];
	at(q, sizeof q, "excl.txt");
	write_ok(q, "three", 0600, 1);
	assert_content(q, "three");
	/* Only the two files: no temporary left behind. */
	assert_int_equal(entries(root), 2);
	unlink(p);
	unlink(q);
}

static void test_fifo_written_through(void **state)
{
	(void)state;
	char p[128];
	at(p, sizeof p, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* A reader first, so that the writer's blocking open returns. */
	int rd = open(p, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	write_ok(p, "through the pipe", 0644, 0);
	char buf[64];
	ssize_t n = read(rd, buf, sizeof buf - 1);
	assert_int_equal(n, (ssize_t)strlen("through the pipe"));
	buf[n] = 0;
	assert_string_equal(buf, "through the pipe");
	close(rd);
	assert_int_equal(kind(p), S_IFIFO);
	/* Exclusive: a FIFO exists, so it is not touched. */
	write_refused(p, EEXIST, 1);
	assert_int_equal(kind(p), S_IFIFO);
	unlink(p);
}

static void test_char_device(void **state)
{
	(void)state;
	char p[128];
	at(p, sizeof p, "null");
	/* A twin of /dev/null, never /dev/null itself. */
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) != 0) {
		print_message("no device node here (not root?): skipped\n");
		skip();
	}
	int fd = open(p, O_WRONLY);
	if (fd < 0) {
		unlink(p);
		print_message("device nodes cannot be opened here (nodev?): skipped\n");
		skip();
	}
	close(fd);
	write_ok(p, "into the void", 0644, 0);
	struct stat sb;
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISCHR(sb.st_mode));
	assert_int_equal(sb.st_rdev, makedev(1, 3));
	unlink(p);
	/* A block device is refused (0:0: no disk behind it either way). */
	at(p, sizeof p, "blk");
	assert_int_equal(mknod(p, S_IFBLK | 0600, makedev(0, 0)), 0);
	write_refused(p, CF_EFILE_BLKDEV, 0);
	assert_int_equal(kind(p), S_IFBLK);
	unlink(p);
}

static void test_refused_kinds(void **state)
{
	(void)state;
	char p[128];
	at(p, sizeof p, "dir");
	assert_int_equal(mkdir(p, 0755), 0);
	write_refused(p, CF_EFILE_DIR, 0);
	assert_int_equal(kind(p), S_IFDIR);
	assert_int_equal(rmdir(p), 0);

	at(p, sizeof p, "sock");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	assert_true(strlen(p) < sizeof sa.sun_path);
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	write_refused(p, CF_EFILE_SOCKET, 0);
	assert_int_equal(kind(p), S_IFSOCK);
	close(s);
	unlink(p);

	/* A dangling link: refused, and nothing is created through it. */
	char target[128];
	at(p, sizeof p, "dangling");
	at(target, sizeof target, "nowhere");
	assert_int_equal(symlink("nowhere", p), 0);
	write_refused(p, CF_EFILE_DANGLING, 0);
	write_refused(p, EEXIST, 1);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(kind(p), S_IFLNK);
	unlink(p);
	assert_int_equal(entries(root), 0);
}

static void test_link_to_regular(void **state)
{
	(void)state;
	char sub[128], target[128], link_path[128], buf[256];
	at(sub, sizeof sub, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	at(target, sizeof target, "sub/target");
	put(target, "old");
	at(link_path, sizeof link_path, "link");
	assert_int_equal(symlink("sub/target", link_path), 0);
	write_ok(link_path, "new", 0644, 0);
	/* The link is still the same link; its target has the new bytes. */
	assert_int_equal(kind(link_path), S_IFLNK);
	ssize_t n = readlink(link_path, buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, "sub/target");
	assert_int_equal(kind(target), S_IFREG);
	assert_content(target, "new");
	/* The temporary was made and renamed in the target's directory. */
	assert_int_equal(entries(sub), 1);
	assert_int_equal(entries(root), 2);
	/* A link to a directory is refused like the directory. */
	unlink(link_path);
	assert_int_equal(symlink("sub", link_path), 0);
	write_refused(link_path, CF_EFILE_DIR, 0);
	unlink(link_path);
	unlink(target);
	rmdir(sub);
}

static void test_stdout(void **state)
{
	(void)state;
	/* "-" is stdout: write through a pipe put in its place. */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[1], STDOUT_FILENO), STDOUT_FILENO);
	int e = -1;
	cf_status st = cf_file_write_atomic("-", "out", 3, 0644, 0, &e);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fds[1]);
	assert_int_equal(st, CF_OK);
	char buf[8];
	assert_int_equal(read(fds[0], buf, sizeof buf), 3);
	assert_memory_equal(buf, "out", 3);
	close(fds[0]);
}

static void test_read_regular(void **state)
{
	(void)state;
	char p[128], l[128];
	uint8_t *buf = NULL;
	size_t len = 0;
	int e = 0;
	at(p, sizeof p, "fifo.yaml");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* No writer: a plain open would wait forever. */
	assert_int_equal(cf_file_read_ex(p, 100, CF_READ_REGULAR, &buf, &len, &e), CF_ERR_IO);
	assert_int_equal(e, CF_EFILE_FIFO);
	assert_null(buf);
	unlink(p);
	at(p, sizeof p, "dir.yaml");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(cf_file_read_ex(p, 100, CF_READ_REGULAR, &buf, &len, &e), CF_ERR_IO);
	assert_int_equal(e, CF_EFILE_DIR);
	rmdir(p);
	at(p, sizeof p, "ok.yaml");
	put(p, "abc");
	assert_int_equal(cf_file_read_ex(p, 100, CF_READ_REGULAR, &buf, &len, &e), CF_OK);
	assert_int_equal(len, 3);
	free(buf);
	buf = NULL;
	/* Links: followed unless CF_READ_NOFOLLOW. */
	at(l, sizeof l, "link.yaml");
	assert_int_equal(symlink("ok.yaml", l), 0);
	assert_int_equal(cf_file_read_ex(l, 100, CF_READ_REGULAR, &buf, &len, &e), CF_OK);
	free(buf);
	buf = NULL;
	assert_int_equal(
	    cf_file_read_ex(l, 100, CF_READ_REGULAR | CF_READ_NOFOLLOW, &buf, &len, &e), CF_ERR_IO);
	assert_int_equal(e, CF_EFILE_SYMLINK);
	/* The cap still holds. */
	assert_int_equal(cf_file_read_ex(p, 2, CF_READ_REGULAR, &buf, &len, &e), CF_ERR_LIMIT);
	unlink(l);
	unlink(p);
}

static void test_strerror(void **state)
{
	(void)state;
	const int codes[] = {CF_EFILE_DIR,      CF_EFILE_FIFO,    CF_EFILE_CHRDEV,
	                     CF_EFILE_BLKDEV,   CF_EFILE_SOCKET,  CF_EFILE_SYMLINK,
	                     CF_EFILE_DANGLING, CF_EFILE_CHANGED, CF_EFILE_OTHER};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const char *m = cf_file_strerror(codes[i]);
		assert_non_null(m);
		assert_null(strstr(m, "Unknown error"));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m, cf_file_strerror(codes[j]));
	}
	assert_string_equal(cf_file_strerror(ENOENT), strerror(ENOENT));
	assert_string_equal(cf_file_strerror(ENOMEM), "out of memory");
	assert_string_equal(cf_file_strerror(0), "I/O error");
}

static void test_inputs(void **state)
{
	(void)state;
	char src[128], hard[128], sym[128], other[128], dir[128], man[128], hidden[128], txt[128],
	    fifo[128];
	at(src, sizeof src, "src.yaml");
	at(hard, sizeof hard, "hard");
	at(sym, sizeof sym, "sym");
	at(other, sizeof other, "other");
	put(src, "x");
	put(other, "y");
	assert_int_equal(link(src, hard), 0);
	assert_int_equal(symlink("src.yaml", sym), 0);
	cf_inputs *in = cf_inputs_new();
	assert_non_null(in);
	assert_int_equal(cf_inputs_add(in, src), CF_OK);
	assert_int_equal(cf_inputs_add(in, hard), CF_OK); /* the same file: kept once */
	assert_string_equal(cf_inputs_clash(in, src), src);
	assert_string_equal(cf_inputs_clash(in, hard), src);
	assert_string_equal(cf_inputs_clash(in, sym), src);
	assert_null(cf_inputs_clash(in, other));
	assert_null(cf_inputs_clash(in, "-"));
	char missing[128];
	assert_null(cf_inputs_clash(in, at(missing, sizeof missing, "missing")));
	cf_inputs_free(in);

	/* A template directory: every *.yaml that is not hidden, and only
	 * regular files (a FIFO is neither opened nor recorded). */
	at(dir, sizeof dir, "tpl");
	assert_int_equal(mkdir(dir, 0755), 0);
	at(man, sizeof man, "tpl/a.yaml");
	at(hidden, sizeof hidden, "tpl/.b.yaml");
	at(txt, sizeof txt, "tpl/c.txt");
	at(fifo, sizeof fifo, "tpl/d.yaml");
	put(man, "a");
	put(hidden, "b");
	put(txt, "c");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	in = cf_inputs_new();
	assert_non_null(in);
	assert_int_equal(cf_inputs_add_templates(in, dir), CF_OK);
	assert_string_equal(cf_inputs_clash(in, man), man);
	assert_null(cf_inputs_clash(in, hidden));
	assert_null(cf_inputs_clash(in, txt));
	assert_null(cf_inputs_clash(in, fifo));
	assert_null(cf_inputs_clash(in, src));
	assert_int_equal(cf_inputs_add_templates(in, src), CF_OK); /* a file: itself */
	assert_string_equal(cf_inputs_clash(in, sym), src);
	cf_inputs_free(in);
	cf_inputs_free(NULL);
	assert_int_equal(cf_inputs_add(NULL, src), CF_ERR_INVALID);
	assert_null(cf_inputs_clash(NULL, src));

	/* Two outputs. */
	assert_int_equal(cf_same_output(src, hard), 1);
	assert_int_equal(cf_same_output(src, sym), 1);
	assert_int_equal(cf_same_output(src, other), 0);
	char a[128], b[128];
	snprintf(a, sizeof a, "%s/./new.key", root);
	assert_int_equal(cf_same_output(at(b, sizeof b, "new.key"), a), 1);
	assert_int_equal(cf_same_output(b, at(a, sizeof a, "new.pub")), 0);
	at(a, sizeof a, "tpl/../n");
	at(b, sizeof b, "n");
	assert_int_equal(cf_same_output(a, b), 1);
	assert_int_equal(cf_same_output(a, src), 0);

	assert_true(cf_is_manifest_name("a.yaml"));
	assert_false(cf_is_manifest_name(".yaml"));
	assert_false(cf_is_manifest_name(".a.yaml"));
	assert_false(cf_is_manifest_name("a.yml"));
	assert_false(cf_is_manifest_name("a.yaml~"));
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", root);
	assert_int_equal(system(cmd), 0);
}

/* Stage, then commit or discard: nothing is in place before the commit,
 * nothing is left after a discard; the checks are the writer's own. */
static void test_stage_commit(void **state)
{
	(void)state;
	char p[128], q[128], d[128], f[128];
	at(p, sizeof p, "staged.txt");
	at(q, sizeof q, "old.txt");
	at(d, sizeof d, "adir");
	at(f, sizeof f, "afifo");
	put(q, "old");
	cf_staged *a = NULL, *b = NULL;
	int e = -1;
	assert_int_equal(cf_file_stage(p, "new", 3, 0644, 0, &a, &e), CF_OK);
	assert_int_equal(e, 0);
	assert_int_equal(cf_file_stage(q, "newer", 5, 0600, 0, &b, &e), CF_OK);
	assert_false(cf_file_staged_through(a));
	/* Staged: the temporaries exist, the targets are as they were. */
	assert_int_equal(access(p, F_OK), -1);
	assert_content(q, "old");
	assert_int_equal(entries(root), 3);
	assert_int_equal(cf_file_commit(a, &e), CF_OK);
	assert_content(p, "new");
	cf_file_discard(b);
	assert_content(q, "old");
	assert_int_equal(entries(root), 2); /* staged.txt, old.txt: no temporary */
	/* Exclusive staging refuses what exists; commit links a new file. */
	assert_int_equal(cf_file_stage(q, "x", 1, 0644, 1, &a, &e), CF_ERR_IO);
	assert_int_equal(e, EEXIST);
	assert_null(a);
	/* Refused kinds are refused at staging, with nothing written. */
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(cf_file_stage(d, "x", 1, 0644, 0, &a, &e), CF_ERR_IO);
	assert_int_equal(e, CF_EFILE_DIR);
	assert_int_equal(cf_file_check_output(d, 0), CF_EFILE_DIR);
	assert_int_equal(cf_file_check_output(q, 0), 0);
	assert_int_equal(cf_file_check_output(q, 1), EEXIST);
	assert_int_equal(cf_file_check_output(p, 0), 0);
	/* A FIFO is written through at commit, not at staging. */
	assert_int_equal(mkfifo(f, 0644), 0);
	assert_int_equal(cf_file_stage(f, "x", 1, 0644, 0, &a, &e), CF_OK);
	assert_true(cf_file_staged_through(a));
	cf_file_discard(a);
	assert_int_equal(kind(f), S_IFIFO);
	assert_int_equal(entries(root), 4);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_regular_and_new), cmocka_unit_test(test_fifo_written_through),
	    cmocka_unit_test(test_char_device),     cmocka_unit_test(test_refused_kinds),
	    cmocka_unit_test(test_link_to_regular), cmocka_unit_test(test_stdout),
	    cmocka_unit_test(test_read_regular),    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_inputs),          cmocka_unit_test(test_stage_commit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
