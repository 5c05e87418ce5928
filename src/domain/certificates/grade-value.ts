/**
 * The grade snapshot written to certificates_generatedcertificate.grade (varchar(5)): upstream writes
 * str(course_grade.percent), e.g. "0.87" or "1.0", and '' when there is no grade. Persistent grades are already
 * rounded to hundredths; a longer value is rounded to hundredths so it fits the column instead of failing the write.
 */
export function gradeValue(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return "";
  const text = pythonFloat(percent);
  if (text.length <= 5) return text;
  return pythonFloat(Math.round(percent * 100) / 100).slice(0, 5);
}

/** Python's str(float): integral values keep one decimal ("1.0"). */
function pythonFloat(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
