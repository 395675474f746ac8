package college_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// A college's study group keeps its journal and diary as a school's class
// does: the college makes this year's group in the registry and enrols a
// student, appoints a teacher (teacher-s2 teaches there too), sets the
// timetable of a subject; the teacher marks the student, the guardian reads
// the mark in the diary and another family does not.
func TestCollegeGroupJournal(t *testing.T) {
	a, _ := newAPI(t)
	year := kuzbass.AcademicYearOf(time.Now())
	for _, login := range []string{"ward1", "teacher-s2"} {
		i, _ := a.Sys.Fixtures.Identity(login)
		a.IDs["{"+login+"}"] = a.Sys.Person(t, i)
	}
	var group registryapi.Class
	a.Must(http.MethodPost, "/api/registry/organisations/{college}/classes", "college-director-1",
		fmt.Sprintf(`{"academic_year":%d,"name":"ИСП-%02d-1","kind":"class","grade":1}`, year, year%100), http.StatusCreated, &group)
	a.IDs["{group}"] = group.ID.String()
	start := fmt.Sprintf("%d-09-01", year)
	a.Must(http.MethodPost, "/api/registry/enrollments", "college-director-1", fmt.Sprintf(`{"person_id":"{ward1}","organisation_id":"{college}",
		"class_id":"{group}","academic_year":%d,"starts_on":%q}`, year, start), http.StatusCreated, nil)
	a.Must(http.MethodPost, "/api/registry/organisations/{college}/staff", "college-director-1",
		fmt.Sprintf(`{"person_id":"{teacher-s2}","role":"teacher","position":"преподаватель","starts_on":%q}`, start), http.StatusCreated, nil)
	a.Sys.Deliver(t)

	var asg postgradeapi.Assignment
	a.Must(http.MethodPost, "/api/post-grade/assignments", "college-director-1", fmt.Sprintf(`{"organisation_id":"{college}","academic_year":%d,
		"teacher_id":"{teacher-s2}","class_id":"{group}","subject_id":"0193b6c0-0000-7000-8000-000000000003"}`, year), http.StatusCreated, &asg)
	today := kuzbass.Date(time.Now())
	var lessons httpx.Page[postgradeapi.Lesson]
	a.Must(http.MethodPost, "/api/post-grade/assignments/"+asg.ID.String()+"/timetable", "college-director-1",
		fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":1,"from":%q,"to":%q}`, today.AddDate(0, 0, -14).Format(time.DateOnly), today.AddDate(0, 0, -1).Format(time.DateOnly)),
		http.StatusCreated, &lessons)
	if len(lessons.Items) == 0 {
		t.Fatal("no lessons in the group's timetable")
	}
	l := lessons.Items[0]
	a.Must(http.MethodPost, "/api/post-grade/marks", "teacher-s2", fmt.Sprintf(`{"lesson_id":%q,"items":[{"student_id":"{ward1}","kind":"oral","value":5}]}`, l.ID),
		http.StatusOK, nil)
	var d postgradeapi.DiaryView
	a.Must(http.MethodGet, "/api/post-grade/diary/{ward1}?from="+l.Date+"&to="+l.Date, "guardian1", "", http.StatusOK, &d)
	found := false
	for _, day := range d.Days {
		for _, x := range day.Lessons {
			if x.LessonID == l.ID && len(x.Marks) == 1 && x.Marks[0].Value != nil && *x.Marks[0].Value == 5 {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("the group's mark in ward1's diary: %+v", d)
	}
	if code, _ := a.Call(http.MethodGet, "/api/post-grade/diary/{ward1}?from="+l.Date+"&to="+l.Date, "parent2", ""); code != http.StatusNotFound {
		t.Fatalf("parent2 reads ward1's diary: %d", code)
	}
}
