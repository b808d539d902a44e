// Writes a practice-level measure file like the seed's measure_counts_per_week_per_practice.csv
// (practice,date,num,list_size,value) of about the requested size, deterministically.
//   gen_measures OUT.csv MEGABYTES [SEED]
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_measures OUT.csv MEGABYTES [SEED]\n");
    return 2;
  }
  const long long target = std::atoll(argv[2]) * 1024LL * 1024LL;
  std::mt19937_64 rng(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
  std::FILE* out = std::fopen(argv[1], "wb");
  if (!out) {
    std::perror(argv[1]);
    return 2;
  }
  std::setvbuf(out, nullptr, _IOFBF, 1 << 20);
  long long written = std::fprintf(out, "practice,date,num,list_size,value\n");
  // 6,500 practices over 143 weeks is the national size (~28 MB); larger files repeat the weeks.
  for (int week = 0; written < target; ++week) {
    int day = 8 + (week * 7) % 28, month = 1 + (week / 4) % 12, year = 2019 + week / 52;
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
    for (int practice = 1; practice <= 6500 && written < target; ++practice) {
      int list_size = 1000 + static_cast<int>(rng() % 19000);
      int num = static_cast<int>(rng() % 400);
      double value = static_cast<double>(num) / list_size * 1000.0;
      written += std::fprintf(out, "%d,%s,%d,%d,%.2f\n", practice, date, num, list_size, value);
    }
  }
  return std::fclose(out) == 0 ? 0 : 1;
}
