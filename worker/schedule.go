package worker

import (
	"time"

	"indberet/tenant/domain"
)

// copenhagen is the time zone of the schedules and of "today" in the rules.
var copenhagen = domain.Copenhagen

// The delivery run starts at DeliveryHour:00 on day DeliveryDay of every month, Danish time
// (I1: on the 14th).
const (
	DeliveryDay  = domain.LeveringsDag
	DeliveryHour = domain.LeveringsTime
)

// Schedule is a River PeriodicSchedule that fires at Hour:Minute in Location on day Day of
// every month, or every day when Day is 0. Day must be 0–28 so that every month has it, and
// Hour:Minute a time that every day has once (in Copenhagen not 02:00–02:59 on the last
// Sundays of March and October, when summer time begins and ends).
type Schedule struct {
	Day, Hour, Minute int
	Location          *time.Location
}

// DeliverySchedule is the schedule of the delivery run (I1): the 14th at 02:00 in Copenhagen.
// No change between summer and winter time happens on a 14th, so 02:00 always exists once.
var DeliverySchedule = Schedule{Day: DeliveryDay, Hour: DeliveryHour, Location: copenhagen}

// LogRetentionSchedule is the schedule of the logs' retention job (retention.go): every night
// at 03:30 in Copenhagen, when hardly anyone registers, since making and dropping a log's
// partitions makes the log's inserts wait (issue 14 #13). 03:30 comes once every day.
var LogRetentionSchedule = Schedule{Hour: 3, Minute: 30, Location: copenhagen}

// Next returns the first firing time strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	lt := t.In(s.Location)
	at := func(month time.Month, day int) time.Time {
		return time.Date(lt.Year(), month, day, s.Hour, s.Minute, 0, 0, s.Location)
	}
	if s.Day == 0 {
		if n := at(lt.Month(), lt.Day()); n.After(lt) {
			return n
		}
		return at(lt.Month(), lt.Day()+1)
	}
	if n := at(lt.Month(), s.Day); n.After(lt) {
		return n
	}
	return at(lt.Month()+1, s.Day)
}
