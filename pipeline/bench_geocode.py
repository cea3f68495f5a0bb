"""Benchmark of the offline gazetteer: load time, memory, lookups per second.

`bench(gazetteer_dir)` loads the gazetteer in this process and measures
  * `load_s`: wall time of `Gazetteer.load`;
  * `rss_increase_mb`: resident memory after minus before the load (from /proc/self/statm where there is
    one, else the peak from `resource.getrusage`), which includes Arrow buffers;
  * `python_peak_mb`: peak of Python allocations during the load (`tracemalloc`);
  * `lookups_per_s`: `Gazetteer.candidates` calls per second over a fixed list of ~200 names (places of
    several conflict countries, spelling variants, and words that are no place), and the same for
    `is_name` (the toponym detector's membership test) and for `OfflineGeocoder.geocode`.
"""
from __future__ import annotations

import os
import resource
import time
import tracemalloc
from pathlib import Path

NAMES = [
    # Pakistan
    "Karachi", "Lahore", "Islamabad", "Rawalpindi", "Peshawar", "Quetta", "Multan", "Faisalabad", "Hyderabad",
    "Sukkur", "Larkana", "Gwadar", "Turbat", "Khuzdar", "Chaman", "Zhob", "Sibi", "Kalat", "Mastung", "Kharan",
    "Panjgur", "Bannu", "Kohat", "Mardan", "Swat", "Mingora", "Dera Ismail Khan", "D.I. Khan", "Tank",
    "Lakki Marwat", "Miranshah", "Miran Shah", "Mir Ali", "Wana", "North Waziristan", "South Waziristan",
    "N Waziristan", "NWA", "Khyber", "Kurram", "Orakzai", "Bajaur", "Mohmand", "Parachinar", "Landi Kotal",
    "Jamrud", "Hangu", "Charsadda", "Nowshera", "Abbottabad", "Mansehra", "Chitral", "Gilgit", "Skardu",
    "Muzaffarabad", "Sindh", "Punjab", "Balochistan", "Baluchistan", "Khyber Pakhtunkhwa", "KPK", "NWFP",
    "FATA", "Kurrachee", "Hub", "Hub Chowki", "Bolan", "Kech", "Harnai", "Loralai", "Kohistan", "Dasu",
    # Afghanistan
    "Kabul", "Kandahar", "Herat", "Mazar-i-Sharif", "Jalalabad", "Kunduz", "Lashkar Gah", "Ghazni", "Khost",
    "Nangarhar", "Helmand", "Paktika", "Kunar", "Badakhshan", "Faryab", "Zabul", "Uruzgan", "Farah",
    # Nigeria and the Sahel
    "Maiduguri", "Borno", "Yobe", "Adamawa", "Bama", "Gwoza", "Damaturu", "Kano", "Kaduna", "Zamfara",
    "Katsina", "Abuja", "Lagos", "Niamey", "Diffa", "Tillaberi", "Gao", "Timbuktu", "Mopti", "Ouagadougou",
    "Djibo", "Dori", "N'Djamena",
    # Middle East
    "Aleppo", "Idlib", "Raqqa", "Deir ez-Zor", "Deir el-Zour", "Homs", "Damascus", "Daraa", "Mosul", "Kirkuk",
    "Baghdad", "Fallujah", "Ramadi", "Tikrit", "Basra", "Erbil", "Sanaa", "Aden", "Hodeidah", "Marib", "Taiz",
    "Gaza", "Rafah", "Khan Younis", "Jenin", "Nablus", "Hebron", "Beirut", "Tripoli", "Benghazi", "Sirte",
    # East Africa
    "Mogadishu", "Kismayo", "Baidoa", "Beledweyne", "Garissa", "Mandera", "Lamu", "Goma", "Beni", "Bunia",
    "Butembo", "Bukavu", "Uvira", "Ituri", "North Kivu", "Juba", "Malakal", "Khartoum", "El Fasher",
    "Nyala", "Mekelle", "Gondar", "Bahir Dar",
    # Europe and elsewhere
    "Kyiv", "Kiev", "Kharkiv", "Mariupol", "Mariupol'", "Donetsk", "Luhansk", "Bakhmut", "Zaporizhzhia",
    "Kherson", "Odesa", "Moscow", "Belgorod", "Paris", "London", "Manila", "Marawi", "Cotabato", "Yangon",
    "Mandalay", "Dhaka", "Colombo", "Kathmandu", "Srinagar", "Amritsar", "Imphal", "Bogota", "Medellin",
    "Cali", "Culiacan", "Port-au-Prince",
    # words that are no place (or are rarely one)
    "Police", "Mobile", "Of", "Army", "Update", "Taliban", "Security", "Reuters", "Official", "Blast",
]


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # not Linux: the peak is the best resource offers
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(gazetteer_dir, repeat: int = 5) -> dict:
    """Load the gazetteer in `gazetteer_dir` and measure it; returns a dict the CLI prints."""
    from .gazetteer import Gazetteer, normalize
    from .geocode import OfflineGeocoder

    import pyarrow.parquet  # noqa: F401  (import cost is not load cost)

    before = _rss_mb()
    tracemalloc.start()
    t0 = time.perf_counter()
    gaz = Gazetteer.load(Path(gazetteer_dir))
    load_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = _rss_mb()

    normalize.cache_clear()
    found = sum(1 for n in NAMES if gaz.candidates(n))
    t0 = time.perf_counter()
    for _ in range(repeat):
        normalize.cache_clear()
        for n in NAMES:
            gaz.candidates(n)
    cand_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(repeat):
        normalize.cache_clear()
        for n in NAMES:
            gaz.is_name(n)
    name_s = time.perf_counter() - t0
    geocoder = OfflineGeocoder(gaz)
    t0 = time.perf_counter()
    for _ in range(repeat):
        normalize.cache_clear()
        for n in NAMES:
            geocoder.geocode(n)
    geo_s = time.perf_counter() - t0
    calls = repeat * len(NAMES)
    return {
        "gazetteer_version": gaz.version,
        "places": len(gaz),
        "load_s": round(load_s, 3),
        "rss_increase_mb": round(after - before, 1),
        "python_peak_mb": round(peak / 2**20, 1),
        "names_benchmarked": len(NAMES),
        "names_found": found,
        "lookups_per_s": round(calls / cand_s) if cand_s else None,
        "is_name_per_s": round(calls / name_s) if name_s else None,
        "geocode_per_s": round(calls / geo_s) if geo_s else None,
    }
