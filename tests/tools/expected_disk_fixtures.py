#!/usr/bin/env python3
"""Writes the expected .json for the df/du/mount/env fixtures from the text, by an independent
reading in Python (not by RunEscape's parsers): whitespace split, header words, the rest of the
line as mount point. Review the diff of every .json it changes by eye against the .out."""
import json, math, os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
SUFFIX = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40, 'P': 1 << 50, 'E': 1 << 60}


def size(cell, unit):
    if cell == '-':
        return None
    if cell[-1].upper() in SUFFIX:
        v = float(cell[:-1].replace(',', '.')) * SUFFIX[cell[-1].upper()]
        return int(math.floor(v + 0.5))
    return int(cell) * unit


def pct(cell):
    return None if cell == '-' else float(cell.rstrip('%'))


def df(text):
    lines = [l for l in text.split('\n') if l.strip()]
    head = lines[0].split()
    variant = None  # taken from the file name by the caller
    german = {'Dateisystem': 'Filesystem', 'Typ': 'Type', 'Größe': 'Size', 'Benutzt': 'Used', 'Verf.': 'Available',
              'Verfügbar': 'Available', 'Verw%': 'Use%', 'IBenutzt': 'IUsed', 'IFrei': 'IFree', '1K-Blöcke': '1K-blocks'}
    names = [german.get(n, n) for n in head[:-2]] + ['Mounted on']
    inodes = 'Inodes' in names
    unit = 1024
    for n in names:
        m = re.match(r'^(\d+)([KM]?)-blocks$', n)
        if m:
            unit = int(m.group(1)) * {'': 1, 'K': 1024, 'M': 1 << 20}[m.group(2)]
    if 'Size' in names:
        unit = 1
    out = []
    pending = None
    for l in lines[1:]:
        w = l.split()
        if len(w) == 1:
            pending = w[0]
            continue
        if pending:
            w = [pending] + w
            pending = None
        n = len(names) - 1
        rec = {'Filesystem': w[0], 'Variant': variant}
        rest = l.split(None, n - (1 if len(w) > len(l.split()) else 0))
        rec['MountPoint'] = rest[-1]
        for name, cell in zip(names[1:n], w[1:n]):
            if name == 'Type':
                rec['Type'] = cell
            elif name in ('Size',) or name.endswith('-blocks'):
                rec['Size'] = size(cell, unit)
            elif name == 'Used':
                rec['InodesUsed' if inodes else 'Used'] = size(cell, 1 if inodes else unit)
            elif name in ('Available', 'Avail'):
                rec['InodesFree' if inodes else 'Available'] = size(cell, 1 if inodes else unit)
            elif name in ('Use%', 'Capacity'):
                rec['InodesUsePercent' if inodes else 'UsePercent'] = pct(cell)
            elif name == 'Inodes':
                rec['Inodes'] = size(cell, 1)
            elif name == 'IUsed':
                rec['InodesUsed'] = size(cell, 1)
            elif name == 'IFree':
                rec['InodesFree'] = size(cell, 1)
            elif name == 'IUse%':
                rec['InodesUsePercent'] = pct(cell)
        out.append(rec)
    return variant, out


def du(text, variant):
    out = []
    for l in text.split('\n'):
        if not l.strip():
            continue
        s, p = l.split('\t', 1)
        out.append({'Size': size(s, 1 if variant == 'bytes' else 1024), 'Path': p})
    return variant, out


def unoct(s):
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), s)


def mount(text):
    out = []
    for l in text.split('\n'):
        if not l.strip():
            continue
        m = re.match(r'^(.+?) on (.+) type (\S+) \(([^()]*)\)\s*$', l)
        if m:
            o = [x.strip() for x in m.group(4).split(',') if x.strip()]
            out.append({'Source': m.group(1), 'MountPoint': m.group(2), 'FileSystemType': m.group(3), 'Options': o, 'ReadOnly': 'ro' in o or 'read-only' in o, 'Variant': 'mount'})
            continue
        m = re.match(r'^(.+?) on (.+) \(([^()]*)\)\s*$', l)
        if m:
            o = [x.strip() for x in m.group(3).split(',') if x.strip()]
            out.append({'Source': m.group(1), 'MountPoint': m.group(2), 'FileSystemType': o[0], 'Options': o[1:], 'ReadOnly': 'ro' in o or 'read-only' in o, 'Variant': 'mount'})
            continue
        f = l.split()
        if '-' in f[6:] and re.match(r'^\d+$', f[0]):
            d = f.index('-', 6)
            o = f[5].split(',')
            out.append({'MountId': int(f[0]), 'ParentId': int(f[1]), 'Device': f[2], 'Root': unoct(f[3]), 'MountPoint': unoct(f[4]), 'Options': o,
                        'OptionalFields': f[6:d], 'FileSystemType': f[d + 1], 'Source': unoct(f[d + 2]),
                        'SuperOptions': f[d + 3].split(',') if len(f) > d + 3 else [], 'ReadOnly': 'ro' in o, 'Variant': 'mountinfo'})
            continue
        o = f[3].split(',')
        out.append({'Source': unoct(f[0]), 'MountPoint': unoct(f[1]), 'FileSystemType': f[2], 'Options': o, 'ReadOnly': 'ro' in o, 'Variant': 'mounts'})
    return out[0]['Variant'] if out else None, out


def env(text):
    if '\0' in text:
        return 'environ', [{'Name': e.split('=', 1)[0], 'Value': e.split('=', 1)[1]} for e in text.split('\0') if e]
    out = []
    for l in text.split('\n'):
        if re.match(r'^[A-Za-z_][A-Za-z0-9_]*=', l):
            k, v = l.split('=', 1)
            out.append({'Name': k, 'Value': v})
        elif out:
            out[-1]['Value'] += '\n' + l
    for r in out:
        r['Value'] = r['Value'].rstrip('\n') if r is out[-1] else r['Value']
    return 'env', out


def ls(text):
    out = []
    directory = None
    types = {'d': 'Directory', 'l': 'SymbolicLink', 'c': 'CharacterDevice', 'b': 'BlockDevice', 'p': 'Fifo', 's': 'Socket'}
    for l in text.split('\n'):
        if not l.strip() or re.match(r'^total \S+$', l):
            continue
        if l.endswith(':') and not re.match(r'^[-dlcbps][-rwxsStT]{9}', l):
            directory = l[:-1]
            continue
        w = l.split()
        rec = {'Mode': w[0], 'Type': types.get(w[0][0], 'File'), 'Links': int(w[1]), 'Owner': w[2], 'Group': w[3]}
        i = 4
        if w[4].endswith(','):
            rec['DeviceMajor'] = int(w[4][:-1]); rec['DeviceMinor'] = int(w[5]); i = 6
        elif ',' in w[4]:
            a, b = w[4].split(','); rec['DeviceMajor'] = int(a); rec['DeviceMinor'] = int(b); i = 5
        else:
            rec['Size'] = int(w[4]); i = 5
        if re.match(r'^\d{4}-\d\d-\d\d$', w[i]):
            time_words = 3
            variant = 'coreutils' if '.' in w[i + 1] else 'busybox'
        else:
            time_words = 3
            variant = 'coreutils'
        rec['ModifiedText'] = ' '.join(w[i:i + time_words]) if time_words == 3 and re.match(r'^\d{4}', w[i]) else None
        # the name is the rest of the line after the time words
        parts = l.split(None, i + time_words)
        name = parts[-1]
        if rec['ModifiedText'] is None:
            rec.pop('ModifiedText')
        if rec['Type'] == 'SymbolicLink' and ' -> ' in name:
            name, rec['LinkTarget'] = name.split(' -> ', 1)
        rec['Name'] = name
        rec['Path'] = name if directory is None or name.startswith('/') else directory.rstrip('/') + '/' + name
        rec['Variant'] = variant
        out.append(rec)
    return (out[0]['Variant'] if out else None), out


for folder, fn in (('df', df), ('du', None), ('mount', mount), ('env', env), ('ls', ls)):
    for name in sorted(os.listdir(os.path.join(ROOT, folder))):
        if not name.endswith('.out'):
            continue
        text = open(os.path.join(ROOT, folder, name), encoding='utf-8', newline='').read()
        variant = name.split('__', 1)[0]
        v, recs = du(text, variant) if folder == 'du' else fn(text)
        if folder == 'df':
            for r in recs:
                r['Variant'] = variant
        doc = {'parser': folder, 'variant': variant, 'issues': 0, 'records': recs}
        with open(os.path.join(ROOT, folder, name[:-4] + '.json'), 'w', encoding='utf-8') as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write('\n')
        if v != variant and folder not in ('du', 'df'):
            print('variant differs', name, v, file=sys.stderr)
