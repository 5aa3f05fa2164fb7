/* What an exec'd file is, decided in the kernel at sched_process_exec while it can be read: an
 * anonymous memfd, a file of an overlay in its upper (the container's writable) layer or not,
 * writable by the new image. Part of capture.bpf.c (included there, after vmlinux.h). */
#ifndef PEREGRINE_EXE_H
#define PEREGRINE_EXE_H

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define SB_RDONLY 1             /* super_block.s_flags */
#define S_IMMUTABLE 8           /* inode.i_flags */
#define CAP_DAC_OVERRIDE 1
#define CAP_FOWNER 3
#define UID_GID_MAP_BASE_EXTENTS 5 /* extents kept inline in struct uid_gid_map */
#define GROUP_SEARCH_STEPS 17      /* a binary search of NGROUPS_MAX (65536) supplementary groups */

/* The part of overlayfs' struct ovl_inode (fs/overlayfs/ovl_entry.h) read here: the VFS inode
 * embedded in it, and the dentry of the file in the upper (the container's writable) layer, set
 * once the file was written there or copied up. Relocated by name against the kernel's BTF
 * (vmlinux, or the overlay module's). */
struct ovl_inode___peregrine {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/* Whether an overlayfs inode has its upper-layer file: the container wrote (or changed) it after
 * the image was made. Decided now, at exec, as nothing of it can be read once the process is gone. */
static __always_inline bool overlay_upper(struct inode *inode)
{
	struct dentry *upper = NULL;
	if (bpf_core_field_exists(((struct ovl_inode___peregrine *)0)->__upperdentry)) {
		struct ovl_inode___peregrine *oi =
			(void *)((char *)inode - bpf_core_field_offset(struct ovl_inode___peregrine, vfs_inode));
		upper = BPF_CORE_READ(oi, __upperdentry);
	} else {
		/* No BTF for overlayfs: the upper dentry has followed the embedded inode since 4.x. */
		bpf_probe_read_kernel(&upper, sizeof(upper), (char *)inode + bpf_core_type_size(struct inode));
	}
	return upper && BPF_CORE_READ(upper, d_inode);
}

/* Whether kernel id `id` has a name in user namespace `ns` (map_id_up over the inline extents). */
static __always_inline bool id_mapped(struct user_namespace *ns, struct uid_gid_map *map, __u32 id)
{
	if (!ns || BPF_CORE_READ(ns, level) == 0)
		return true; /* the initial namespace maps every id */
	__u32 n = BPF_CORE_READ(map, nr_extents);
	for (int i = 0; i < UID_GID_MAP_BASE_EXTENTS && i < n; i++) {
		__u32 first = BPF_CORE_READ(map, extent[i].lower_first);
		__u32 count = BPF_CORE_READ(map, extent[i].count);
		if (id >= first && id - first < count)
			return true;
	}
	return false;
}

/* Whether gid is one of the credentials' supplementary groups (sorted, as groups_search keeps them). */
static __always_inline bool in_groups(const struct cred *cred, __u32 gid)
{
	struct group_info *groups = BPF_CORE_READ(cred, group_info);
	if (!groups)
		return false;
	__u32 lo = 0, hi = BPF_CORE_READ(groups, ngroups);
	for (int i = 0; i < GROUP_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = lo + (hi - lo) / 2;
		__u32 g = BPF_CORE_READ(groups, gid[mid & 0xffff].val);
		if (g == gid)
			return true;
		if (g < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Falco's proc.is_exe_writable: the new image's file-system credentials may write its exe, as
 * the kernel's permission check would decide without ACLs or LSMs: never on a read-only mount or
 * an immutable file; the owner (who may chmod it); the mode bits of the user's class; or
 * CAP_DAC_OVERRIDE / CAP_FOWNER over ids its user namespace maps. */
static __always_inline bool exe_writable(struct task_struct *task, struct inode *inode)
{
	if ((BPF_CORE_READ(inode, i_sb, s_flags) & SB_RDONLY) || (BPF_CORE_READ(inode, i_flags) & S_IMMUTABLE))
		return false;
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 fsuid = BPF_CORE_READ(cred, fsuid.val);
	__u32 fsgid = BPF_CORE_READ(cred, fsgid.val);
	__u32 iuid = BPF_CORE_READ(inode, i_uid.val);
	__u32 igid = BPF_CORE_READ(inode, i_gid.val);
	if (iuid == (__u32)-1 || igid == (__u32)-1)
		return false; /* an id without a name: the kernel refuses writes */
	if (iuid == fsuid)
		return true;
	umode_t mode = BPF_CORE_READ(inode, i_mode);
	if (igid == fsgid || in_groups(cred, igid))
		mode >>= 3;
	if (mode & 02)
		return true;
	struct user_namespace *ns = BPF_CORE_READ(cred, user_ns);
	bool uid_mapped = id_mapped(ns, &ns->uid_map, iuid);
	__u64 caps = BPF_CORE_READ(cred, cap_effective.val);
	if ((caps & (1ULL << CAP_DAC_OVERRIDE)) && uid_mapped && id_mapped(ns, &ns->gid_map, igid))
		return true;
	return (caps & (1ULL << CAP_FOWNER)) && uid_mapped;
}

/* What the exec'd file is, as EF_EXE_* flags: an anonymous memfd, a file of an overlay (in its
 * upper layer or not), writable by the new image. */
static __always_inline __u8 exe_flags(struct task_struct *task, struct file *exe, struct inode *inode)
{
	__u8 flags = 0;
	struct dentry *dentry = BPF_CORE_READ(exe, f_path.dentry);
	/* memfd_create's files are unlinked roots of the shmem/hugetlbfs mount named "memfd:..." */
	if (dentry && BPF_CORE_READ(dentry, d_parent) == dentry) {
		char prefix[6] = {};
		bpf_probe_read_kernel(prefix, sizeof(prefix), BPF_CORE_READ(dentry, d_name.name));
		if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
		    prefix[5] == ':')
			flags |= EF_EXE_MEMFD;
	}
	if (BPF_CORE_READ(dentry, d_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
		flags |= EF_EXE_OVERLAY;
		if (overlay_upper(inode))
			flags |= EF_EXE_UPPER_LAYER;
	}
	if (exe_writable(task, inode))
		flags |= EF_EXE_WRITABLE;
	return flags;
}

#endif
